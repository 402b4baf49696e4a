"""The upgrade path of the watch label: a control plane an earlier Osprey deployed, whose
Secrets and ConfigMaps lack `osprey.dev/watch`, is labelled by the upgraded operator's loop,
and its release Secrets heal through the narrowed watch again.

A module of its own: the control plane of test_narrowing.py lives until that module ends, and
two control planes on the simulator's one node would overlap.
"""

from __future__ import annotations

import pytest

from osprey.kube import resource
from osprey.narrowing import WATCH_SELECTOR
from osprey.valuesfrom import WATCH_LABEL
from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration



def test_objects_of_a_plane_deployed_before_the_label_are_labelled_and_healed_by_the_watch(
    kube, client: Client, chart_repo
):
    namespace = kube.new_namespace("unlabelled")
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)
        client.wait_ready(namespace, name)
    # As an Osprey from before the label left them: no object carries it.
    for kind in ("Secret", "ConfigMap"):
        for obj in client.list(kind, namespace, labels=WATCH_SELECTOR):
            client.run(client.kube.merge_patch(resource(kind), namespace,
                                               obj["metadata"]["name"],
                                               {"metadata": {"labels": {WATCH_LABEL: None}}}))
    assert client.list("Secret", namespace, labels=WATCH_SELECTOR) == []
    with RunningOperator(str(kube.kubeconfig), namespace, resync_seconds=600.0):
        client.wait_for(lambda: client.get("Secret", namespace, "keystone-etc")["metadata"]
                        .get("labels", {}).get(WATCH_LABEL) == "true", 60,
                        "keystone-etc labelled by the upgraded operator")
        etc = client.get("Secret", namespace, "keystone-etc")
        client.delete("Secret", namespace, "keystone-etc")
        assert client.wait_for(
            lambda: (s := client.get("Secret", namespace, "keystone-etc"))
            and s["metadata"]["uid"] != etc["metadata"]["uid"], 30,
            "keystone-etc re-created by healing")
        labelled = {o["metadata"]["name"]
                    for o in client.list("Secret", namespace, labels=WATCH_SELECTOR)}
    assert f"{name}-credentials" in labelled
    newest = max(client.list("Secret", namespace, labels="owner=helm,name=keystone"),
                 key=lambda s: int(s["metadata"]["labels"]["version"]))
    assert newest["metadata"]["name"] in labelled
    kube.delete_namespace(namespace)
