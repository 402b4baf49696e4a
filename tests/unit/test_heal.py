"""Restoring objects from Helm's record: the object as Helm itself would apply it, and only
when the API server still has it broken."""

import asyncio
from dataclasses import replace
from typing import Any

from osprey.drift import Drift
from osprey.heal import Repair, helm_owned, restore
from osprey.health import ReleaseHealth, WorkloadState
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


# What the pass saw came from the watch cache, which may lag: restore reads each object again.

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nova-api"},
              "spec": {"replicas": 2}}
JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "nova-db-sync"},
       "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}
WITH_OBJECTS = replace(NOVA, manifest=(DEPLOYMENT, JOB))


class Cluster:
    """The API server's current objects by (kind, name); remembers every request."""

    def __init__(self, *objects: dict[str, Any]) -> None:
        self.objects = {(o["kind"], o["metadata"]["name"]): o for o in objects}
        self.requests: list[tuple[str, str]] = []

    async def get(self, res: Any, namespace: str, name: str) -> dict[str, Any] | None:
        self.requests.append(("GET", name))
        return self.objects.get((res.kind, name))

    async def apply(self, obj: dict[str, Any], namespace: str, manager: str) -> dict[str, Any]:
        self.requests.append(("APPLY", obj["metadata"]["name"]))
        return {**obj, "metadata": {**obj["metadata"], "resourceVersion": "9"}}

    async def delete(self, res: Any, namespace: str, name: str, propagation: str) -> None:
        self.requests.append(("DELETE", name))
        self.objects.pop((res.kind, name), None)

    async def create(self, res: Any, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(("CREATE", obj["metadata"]["name"]))
        return obj


def live(obj: dict[str, Any], rv: str = "5", **status: Any) -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], "resourceVersion": rv}, "status": status}


def restored(cluster: Cluster, health: ReleaseHealth, *drift: Drift,
             settled: dict | None = None):
    return asyncio.run(restore(cluster, WITH_OBJECTS, health, drift, settled))  # type: ignore[arg-type]


FAILED = {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}
JOB_FAILED = ReleaseHealth((WorkloadState("Job", "nova-db-sync", ready=False, failed=True),))


def test_an_object_the_cache_saw_missing_but_the_api_server_has_is_left_alone():
    cluster = Cluster(live(DEPLOYMENT))
    repairs, _ = restored(cluster, ReleaseHealth(), Drift("Deployment", "nova-api", missing=True))
    assert repairs == [] and cluster.requests == [("GET", "nova-api")]


def test_an_object_the_cache_saw_modified_but_now_as_rendered_is_left_alone():
    cluster = Cluster(live(DEPLOYMENT))
    drift = Drift("Deployment", "nova-api", missing=False, fields=("spec.replicas",))
    assert restored(cluster, ReleaseHealth(), drift)[0] == []


def test_an_object_still_missing_is_put_back_and_its_version_kept():
    cluster = Cluster()
    repairs, left_at = restored(cluster, ReleaseHealth(),
                                Drift("Deployment", "nova-api", missing=True))
    assert repairs == [Repair("Deployment/nova-api", "missing_object")]
    assert cluster.requests == [("GET", "nova-api"), ("APPLY", "nova-api")]
    assert left_at == {("Deployment", "nova-api"): "9"}


def test_an_object_modified_still_is_judged_with_the_fields_left_to_others():
    scaled = {**DEPLOYMENT, "spec": {"replicas": 5}}
    drift = Drift("Deployment", "nova-api", missing=False, fields=(), ignored=("spec.replicas",))
    assert restored(Cluster(live(scaled)), ReleaseHealth(), drift)[0] == []
    drift = Drift("Deployment", "nova-api", missing=False, fields=("spec.replicas",))
    assert restored(Cluster(live(scaled)), ReleaseHealth(), drift)[0] == [
        Repair("Deployment/nova-api", "modified_object")]


def test_an_object_at_the_version_our_repair_left_is_not_repaired_again():
    scaled = {**DEPLOYMENT, "spec": {"replicas": 5}}
    drift = Drift("Deployment", "nova-api", missing=False, fields=("spec.replicas",))
    settled = {("Deployment", "nova-api"): "5"}
    assert restored(Cluster(live(scaled, rv="5")), ReleaseHealth(), drift, settled=settled)[0] == []


def test_a_failed_job_is_replaced_only_if_the_api_server_still_has_it_failed():
    running = Cluster(live(JOB))  # helm (or a person) replaced it since the cache saw it
    assert restored(running, JOB_FAILED)[0] == []
    assert running.requests == [("GET", "nova-db-sync")]
    failed = Cluster(live(JOB, **FAILED))
    assert restored(failed, JOB_FAILED)[0] == [Repair("Job/nova-db-sync", "failed_job")]
    assert [r for r, _ in failed.requests] == ["GET", "DELETE", "GET", "CREATE"]
