"""The operator's policy on a running operator: what it refuses changes nothing in the cluster.

A control plane whose chart repository the policy does not list, and one whose values read
from a ConfigMap carry `extraObjects`, are applied to a namespace the operator serves; each is
refused with the field named, and no helm operation runs. `extraObjects` written in the
resource itself (in `values`, or as a valuesFrom path) is refused by the API server before.
"""

from __future__ import annotations

import pytest
import yaml

from osprey.kube import resource
from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration

CLUSTER_ADMIN_BINDING = {
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
    "metadata": {"name": "pwned"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                "name": "cluster-admin"},
    "subjects": [{"kind": "User", "name": "mallory"}]}
REFUSED = ("values key extraObjects is refused: the charts render its content as arbitrary "
           "Kubernetes objects with the operator's rights")


@pytest.mark.parametrize(("keystone", "field"), [
    ({"values": {"extraObjects": {"binding": CLUSTER_ADMIN_BINDING}}},
     "spec.services.keystone.values.extraObjects"),
    ({"values": {"extraObjects": {}}}, "spec.services.keystone.values.extraObjects"),
    ({"valuesFrom": [{"configMapKeyRef": {"name": "objs", "key": "b"},
                      "path": "extraObjects.binding"}]},
     "spec.services.keystone.valuesFrom[0].path"),
], ids=["map", "empty", "valuesFrom-path"])
def test_extra_objects_in_the_resource_are_refused_at_admission_naming_the_field(
    kube, crd_installed, chart_repo, keystone, field
):
    namespace = kube.new_namespace("admission")
    body = control_plane("minimal.yaml", namespace, chart_repo.url,
                         services={"keystone": keystone})
    result = kube.kubectl("apply", "-f", "-", input=yaml.safe_dump(body))
    assert result.returncode != 0
    assert f"{field}: Forbidden: {REFUSED}" in result.stderr
    assert "NotFound" in kube.kubectl("get", "oscp", "-n", namespace,
                                      body["metadata"]["name"]).stderr
    kube.delete_namespace(namespace)


def test_extra_objects_as_a_list_are_refused_at_admission_by_their_type(
    kube, crd_installed, chart_repo
):
    # CEL sees only declared fields, and a field has one type: extraObjects is declared an
    # object (the charts' default, `{}`), so the list form is refused by its type, and kube
    # then skips the CEL rules of the object.
    namespace = kube.new_namespace("admission")
    body = control_plane("minimal.yaml", namespace, chart_repo.url, services={
        "keystone": {"values": {"extraObjects": [CLUSTER_ADMIN_BINDING]}}})
    result = kube.kubectl("apply", "-f", "-", input=yaml.safe_dump(body))
    assert result.returncode != 0
    assert ('spec.services.keystone.values.extraObjects: Invalid value: "array": '
            'spec.services.keystone.values.extraObjects in body must be of type object: '
            '"array"') in result.stderr
    kube.delete_namespace(namespace)


@pytest.mark.parametrize(("spec", "field"), [
    ({}, "spec.charts.repository"),  # the repository is set to one the policy does not list
    ({"services": {"keystone": {"valuesFrom": [{"configMapKeyRef": {"name": "objs",
                                                                    "key": "values.yaml"}}]}}},
     "spec.services.keystone.valuesFrom[0].extraObjects"),
], ids=["repository", "extraObjects"])
def test_a_control_plane_the_policy_refuses_is_invalid_and_installs_nothing(
    kube, client: Client, chart_repo, spec, field
):
    namespace = kube.new_namespace("policy")
    repository = ("https://charts.example.com/openstack-helm" if field == "spec.charts.repository"
                  else chart_repo.url)
    client.run(client.kube.create(resource("ConfigMap"), namespace, {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "objs", "namespace": namespace},
        "data": {"values.yaml": yaml.safe_dump({"extraObjects": [CLUSTER_ADMIN_BINDING]})}}))
    body = control_plane("minimal.yaml", namespace, repository, **spec)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as operator:
        client.apply_control_plane(body)
        ready = client.wait_for(
            lambda: (c := client.condition(namespace, name, "Ready")) and c["reason"] == "InvalidSpec"
            and c, 60, "Ready=False, InvalidSpec")
        operator.more_passes(client, namespace, name, count=1)
        assert operator.helm.operations == []
    assert ready["status"] == "False"
    assert ready["message"].startswith(f"{field}: ") and "operator's policy" in ready["message"]
    assert client.list("Secret", namespace, labels="owner=helm") == []
    kube.delete_namespace(namespace)
