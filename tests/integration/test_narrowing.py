"""Secrets and ConfigMaps that are not Osprey's are never sent to the operator.

A namespace holds 200 Secrets of 16 KiB that no release owns (users' certificates, keys) when
a control plane converges in it. The simulator reports what it sent, per request: the
operator's watches of Secrets and ConfigMaps ask for the watch label (or Helm's records,
owner=helm) only, a pass lists only labelled ones, and the unfiltered look before the first
pass is metadata only. A deleted
release Secret is still restored at once (the periodic resync is far away), and a change to
an unrelated Secret sends nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from osprey.kube import resource
from osprey.narrowing import WATCH_SELECTOR
from osprey.releases import HELM_STORAGE_SELECTOR
from osprey.watchcache import WATCHED
from tests.integration.operator_harness import Client, RunningOperator, control_plane
from tests.kubesim.traffic import Sent

pytestmark = pytest.mark.integration

UNRELATED = 200
SIZE = 16 * 1024


@dataclass(frozen=True)
class Story:
    namespace: str
    converging: list[Sent]  # from before the operator started until Ready
    after: list[Sent]  # while a release Secret was deleted and restored, an unrelated changed
    restored: bool
    unfiltered_list_size: int  # what one list of the namespace's Secrets sends


def unrelated(namespace: str, i: int) -> dict:
    payload = base64.b64encode(bytes([i % 256]) * SIZE).decode()
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": f"user-tls-{i}", "namespace": namespace},
            "data": {"tls.key": payload}}


def of_kind(sent: list[Sent], namespace: str, plural: str) -> list[Sent]:
    return [s for s in sent if s.path in (f"/api/v1/namespaces/{namespace}/{plural}",
                                          f"/api/v1/{plural}")]


def of_operator(sent: list[Sent]) -> list[Sent]:
    """Without helm's own requests: waiting on the real charts' hooks, helm watches their kinds
    in the namespace unfiltered, and what helm asks for is not the operator's to narrow."""
    return [s for s in sent if not s.agent.lower().startswith("helm")]


@pytest.fixture(scope="module")
def story(kube, crd_installed, chart_repo) -> Iterator[Story]:
    if kube.sim is None:
        pytest.skip("counts what the simulator sent")
    client = Client(str(kube.kubeconfig))
    namespace = kube.new_namespace("narrow")
    for i in range(UNRELATED):
        client.run(client.kube.create(resource("Secret"), namespace, unrelated(namespace, i)))
    traffic = kube.sim.api.traffic
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    start = traffic.mark()
    with RunningOperator(str(kube.kubeconfig), namespace, resync_seconds=600.0):
        client.apply_control_plane(body)
        client.wait_ready(namespace, name)
        converged = traffic.mark()
        etc = client.get("Secret", namespace, "keystone-etc")
        client.delete("Secret", namespace, "keystone-etc")
        client.run(client.kube.merge_patch(resource("Secret"), namespace, "user-tls-7",
                                           {"data": {"extra": "eA=="}}))
        restored = client.wait_for(
            lambda: (s := client.get("Secret", namespace, "keystone-etc"))
            and s["metadata"]["uid"] != etc["metadata"]["uid"], 30,
            "keystone-etc re-created by healing")
        done = traffic.mark()
    listed = traffic.mark()
    client.list("Secret", namespace)
    size = traffic.since(listed)[0].size
    story = Story(namespace, traffic.since(start)[:converged - start],
                  traffic.since(converged)[:done - converged], bool(restored), size)
    report(story)  # the figures of docs/benchmarks.md, with pytest -s
    yield story
    kube.delete_namespace(namespace)


def report(story: Story) -> None:
    for label, sent in (("converging", story.converging), ("after", story.after)):
        secrets = of_kind(sent, story.namespace, "secrets")
        print(f"\n{label}: Secret responses={len(secrets)} "
              f"objects={sum(s.objects for s in secrets)} bytes={sum(s.size for s in secrets)} "
              f"with unrelated Secrets: {len(unrelated_sent(secrets))} responses, "
              f"{sum(s.size for s in unrelated_sent(secrets))} bytes")
    print(f"one unfiltered list of the namespace's Secrets: {story.unfiltered_list_size} bytes")


def test_the_operator_watches_secrets_and_config_maps_by_label_selectors_only(story: Story):
    """The watch cache's selections: the watch label (Secrets: Helm's records excepted), and
    Helm's records (owner=helm); never a whole kind."""
    for kind, plural in (("Secret", "secrets"), ("ConfigMap", "configmaps")):
        sent = of_operator(story.converging + story.after)
        watches = [s for s in of_kind(sent, story.namespace, plural) if s.watch]
        assert watches, plural
        selections = {w.labels for w in WATCHED if w.kind == kind}
        assert {s.label_selector for s in watches} <= selections
        assert all(WATCH_SELECTOR in s or s == HELM_STORAGE_SELECTOR for s in selections)


def unrelated_sent(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if any(n.startswith("user-tls-") for n in s.names)]


def test_unrelated_secrets_are_sent_only_as_metadata_in_the_look_for_unlabelled_ones(
    story: Story
):
    sent = unrelated_sent(of_kind(of_operator(story.converging), story.namespace, "secrets"))
    assert sent, "the look for unlabelled objects lists them, as metadata"
    assert not any(s.watch for s in sent)
    assert all(not s.label_selector and s.size < UNRELATED * 1024 for s in sent)


def test_after_converging_no_unrelated_secret_is_sent(story: Story):
    secrets = of_kind(story.after, story.namespace, "secrets")
    assert any("keystone-etc" in s.names for s in secrets)  # the deletion and the restore
    assert unrelated_sent(secrets) == []
    assert sum(s.size for s in secrets) < story.unfiltered_list_size


def test_a_deleted_release_secret_is_restored_without_waiting_for_the_resync(story: Story):
    assert story.restored


