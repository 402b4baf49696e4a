"""Passes observe through the watch cache: a no-op pass asks the API server (almost) nothing,
and no change is missed: deleted objects are healed at once, even when the deletion happened
while a watch was down and its history expired, and many control planes converging together
are all woken by their own events (the periodic resync is an hour away in these tests). And
a cache that lags behind the API server (kubesim's `lag_watches`) is never acted on: nothing
"restored", no credential "recovered", no release installed twice."""

from __future__ import annotations

import time

import pytest

from osprey.watchcache import CachedObserver
from tests.integration.operator_harness import RunningOperator, control_plane, converged

pytestmark = pytest.mark.integration

NO_RESYNC = 3600.0  # a lost wake-up shows as a timeout, not as a pass an hour later


def a_deployment_of(client, namespace: str) -> dict:
    return next(d for d in client.list("Deployment", namespace)
                if "meta.helm.sh/release-name" in (d["metadata"].get("annotations") or {}))


def recreated(client, namespace: str, old: dict):
    name = old["metadata"]["name"]
    return lambda: ((d := client.get("Deployment", namespace, name))
                    and d["metadata"]["uid"] != old["metadata"]["uid"])


def test_a_pass_over_a_converged_control_plane_makes_no_request(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body, resync_seconds=NO_RESYNC) as op:
        plane = op.runtime.control_planes[(namespace, name)]
        assert isinstance(plane.observer, CachedObserver)
        op.more_passes(client, namespace, name, count=1, timeout=10)  # settle: see converged
        listed = plane.observer.listed
        with op.recorded_requests() as requests:
            op.more_passes(client, namespace, name, count=1, timeout=10)
    assert plane.observer.listed == listed, "the cache was synced: the pass did not list"
    assert [(r.method, r.path) for r in requests] == []


def test_without_the_cache_a_pass_lists(kube, client, namespace, chart_repo):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body, watch_cache=False) as op:
        assert op.runtime.watch_cache is None
        op.more_passes(client, namespace, name, count=1, timeout=10)
        with op.recorded_requests() as requests:
            op.more_passes(client, namespace, name, count=1, timeout=10)
    assert len([r for r in requests if r.method == "GET"]) >= 8


def test_a_deleted_deployment_is_recreated_from_the_cache(kube, client, namespace, chart_repo):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    with converged(str(kube.kubeconfig), client, body, resync_seconds=NO_RESYNC):
        deployment = a_deployment_of(client, namespace)
        client.delete("Deployment", namespace, deployment["metadata"]["name"])
        client.wait_for(recreated(client, namespace, deployment), 30,
                        "the deleted Deployment re-created", interval=0.1)


def test_an_object_deleted_while_the_watch_was_down_and_expired_is_healed(
    kube, sim, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    with converged(str(kube.kubeconfig), client, body, resync_seconds=NO_RESYNC) as op:
        deployment = a_deployment_of(client, namespace)
        informer = next(i for i in op.runtime.watch_cache.informers
                        if i.watched.kind == "Deployment")
        lists = informer.lists
        # The Deployments' watch ends; its next request reaches the server only after the
        # deletion and a compaction of the history, so it is answered 410 Gone.
        sim.faults.delay("GET", rf"/namespaces/{namespace}/deployments\?watch=true", 10.0,
                         count=1)
        assert sim.drop_watches(rf"/namespaces/{namespace}/deployments") == 1
        client.delete("Deployment", namespace, deployment["metadata"]["name"])
        sim.compact()
        client.wait_for(recreated(client, namespace, deployment), 60,
                        "the Deployment deleted while the watch was down re-created",
                        interval=0.1)
        assert informer.lists == lists + 1, "listed again once, on 410 Gone"


def test_many_control_planes_converging_at_once_are_all_woken_by_their_events(
    kube, client, chart_repo
):
    """Events arrive while passes run (six loops, helm operations in the background): each
    plane gets Ready from wake-ups alone, none waits for the resync."""
    namespaces = [kube.new_namespace(f"wakeups-{i}") for i in range(6)]
    try:
        with RunningOperator(str(kube.kubeconfig), tuple(namespaces),
                             resync_seconds=NO_RESYNC) as op:
            for ns in namespaces:
                label = {"osprey.dev/test-plane": ns}  # node pools no node carries: disjoint
                client.apply_control_plane(control_plane(
                    "minimal.yaml", ns, chart_repo.url,
                    nodePools={"compute": label, "network": label, "gateway": label}))
            for ns in namespaces:
                client.wait_ready(ns, "openstack", timeout=600)
            assert all(isinstance(p.observer, CachedObserver)
                       for p in op.runtime.control_planes.values())
    finally:
        for ns in namespaces:
            kube.delete_namespace(ns)


# The watches of the kinds a pass compares (cluster-wide or namespaced).
OBSERVED_WATCHES = (r"/(deployments|statefulsets|daemonsets|jobs|services|configmaps|secrets"
                    r"|persistentvolumeclaims|pods)\?(.*&)?watch=(true|1)")


def repairs(op) -> float:
    return sum(s.value for family in op.runtime.metrics.registry.collect()
               if family.name == "osprey_heals" for s in family.samples
               if s.name == "osprey_heals_total")


def test_a_lagging_watch_cache_does_not_repair_what_helm_just_wrote(
    kube, sim, client, namespace, chart_repo
):
    """Under load the API server's watches lag behind its storage, each resource on its own:
    a pass right after an install reads Helm's record back (it is newer than the cache) while
    the cache does not yet hold the objects helm created, or holds their older versions. Those
    are not drift: nothing is "restored", no Job re-run, and the plane converges."""
    sim.faults.lag_watches(OBSERVED_WATCHES, 1.5)
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body, resync_seconds=NO_RESYNC) as op:
        before = len(op.helm.operations)
        client.patch_spec(namespace, name, {"services": {"nova": {"replicas": {"api": 3}}}})
        client.wait_ready(namespace, name)
        assert [(o.release, o.operation) for o in op.helm.operations[before:]] == [
            ("nova", "upgrade")]
        assert repairs(op) == 0
    healed = [e["message"] for e in client.list("Event", namespace)
              if e.get("reason") == "Healed"]
    assert healed == []


def test_credentials_the_cache_has_not_seen_yet_are_not_taken_for_lost(
    kube, sim, client, namespace, chart_repo
):
    """The credentials Secret Osprey just created reaches the cache late: the passes between
    (releases installed meanwhile hold the passwords) read it from the API server instead of
    "recovering" it from the releases with a warning."""
    sim.faults.lag_watches(r"/secrets\?(.*&)?watch=(true|1)", 8.0)
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    with converged(str(kube.kubeconfig), client, body, resync_seconds=NO_RESYNC):
        pass
    warnings = [(e["reason"], e["message"]) for e in client.list("Event", namespace)
                if e.get("type") == "Warning"]
    assert warnings == []


def test_a_release_is_installed_once_however_late_the_cache_sees_it(
    kube, sim, client, namespace, chart_repo
):
    """Helm's records reach the cache a minute late (an overloaded API server's watch was seen
    that far behind): the records our operations read back stand in the whole time, so no
    release looks "not installed" and is installed again."""
    sim.faults.lag_watches(r"/secrets\?(?=.*watch=(true|1))(?=.*owner(%3D|=)helm)", 60.0)
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body, resync_seconds=NO_RESYNC) as op:
        last = max(o.finished for o in op.helm.of(namespace))
        # Past the 30 s an earlier Osprey let a read-back record stand in for the cache.
        time.sleep(max(0.0, last + 35.0 - time.monotonic()))
        op.more_passes(client, namespace, name, count=2, timeout=60)
        plane = op.runtime.control_planes[(namespace, name)]
        client.wait_for(lambda: not plane.operations.running, 120, "no helm operation running")
        released = [o.release for o in op.helm.of(namespace, "upgrade")]
    assert sorted(released) == sorted(set(released)), "each release installed once"
