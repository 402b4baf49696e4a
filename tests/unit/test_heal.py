"""Restoring objects from Helm's record: the object as Helm itself would apply it."""

from osprey.heal import helm_owned
from osprey.releases import DeployedRelease

NOVA = DeployedRelease(name="nova", namespace="openstack", revision=1, status="deployed",
                       chart="nova", version="2025.1.3+0ee5adeff", values={})


def test_a_manifest_object_with_null_metadata_maps_gets_helms_marks():
    rendered = {"apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": "nova-bootstrap", "labels": None, "annotations": None},
                "spec": {}}
    owned = helm_owned(rendered, NOVA)
    assert owned["metadata"] == {
        "name": "nova-bootstrap", "namespace": "openstack",
        "labels": {"app.kubernetes.io/managed-by": "Helm"},
        "annotations": {"meta.helm.sh/release-name": "nova",
                        "meta.helm.sh/release-namespace": "openstack"},
    }
    assert rendered["metadata"]["annotations"] is None, "the stored manifest is not changed"


def test_nulls_are_dropped_as_the_api_server_drops_them():
    rendered = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                "spec": {"template": {"metadata": {"annotations": None},
                                      "spec": {"securityContext": None, "containers": [
                                          {"name": "c", "volumeMounts": None}]}}}}
    owned = helm_owned(rendered, NOVA)
    assert owned["spec"] == {"template": {"metadata": {}, "spec": {"containers": [{"name": "c"}]}}}
