"""The simulator reports what it sent: objects and bytes per list response and watch event,
with the request's label selector (what kube-apiserver's response-size metrics count)."""

from __future__ import annotations

from tests.kubesim.simulator import Simulator

from .support import NOT_ROOT_CA, Http, configmap


def cms(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def test_a_list_is_counted_with_its_objects_and_bytes(sim: Simulator, http: Http,
                                                      namespace: str) -> None:
    http.post(cms(namespace), configmap("a", {"k": "x" * 1000}))
    http.post(cms(namespace), configmap("b", {"k": "y" * 1000}, labels={"mine": "yes"}))
    mark = sim.api.traffic.mark()
    body = http.get(cms(namespace), fieldSelector=NOT_ROOT_CA).content
    selected = http.get(cms(namespace), labelSelector="mine=yes").content
    sent = sim.api.traffic.since(mark)
    assert [(s.path, s.label_selector, s.watch, s.objects) for s in sent] == [
        (cms(namespace), "", False, 2), (cms(namespace), "mine=yes", False, 1)]
    assert [s.size for s in sent] == [len(body), len(selected)]
    assert [s.names for s in sent] == [("a", "b"), ("b",)]


def test_a_watch_counts_each_event_it_sent_and_none_it_filtered_out(
    sim: Simulator, http: Http, namespace: str
) -> None:
    start = http.get(cms(namespace)).json()["metadata"]["resourceVersion"]
    http.post(cms(namespace), configmap("other", {"k": "x" * 5000}))
    http.post(cms(namespace), configmap("mine", {"k": "y"}, labels={"mine": "yes"}))
    mark = sim.api.traffic.mark()
    events = http.watch(cms(namespace), resourceVersion=start, timeoutSeconds=1,
                        labelSelector="mine=yes")
    sent = [s for s in sim.api.traffic.since(mark) if s.watch]
    assert [e["object"]["metadata"]["name"] for e in events] == ["mine"]
    assert [(s.label_selector, s.objects, s.names) for s in sent] == [("mine=yes", 1, ("mine",))]
    assert sent[0].size < 1000
