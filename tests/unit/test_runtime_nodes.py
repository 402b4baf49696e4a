"""The operator's view of the nodes' labels: listed once, then kept by the node watch."""

from __future__ import annotations

from osprey.runtime import Runtime, Settings


class Loop:
    def __init__(self) -> None:
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


def runtime() -> Runtime:
    rt = Runtime(Settings(), kube=object(), helm=object())  # type: ignore[arg-type]
    rt.control_planes[("ns", "cp")] = Loop()  # type: ignore[assignment]
    return rt


def test_nodes_are_unknown_until_listed_once():
    rt = runtime()
    rt.node_seen("n1", {"a": "1"})
    assert rt.nodes is None
    rt.nodes_listed({"n1": {"a": "old"}, "n2": {}})
    assert rt.nodes == {"n1": {"a": "1"}, "n2": {}}  # what the watch showed is newer


def test_a_node_the_watch_saw_go_is_not_brought_back_by_an_older_listing():
    rt = runtime()
    rt.node_seen("n1", {})
    rt.node_seen("n1", None)
    rt.nodes_listed({"n1": {}})
    assert rt.nodes == {}


def test_only_a_change_of_labels_wakes_the_loops():
    rt = runtime()
    loop = rt.control_planes[("ns", "cp")]
    rt.node_seen("n1", {"a": "1"})
    rt.node_seen("n1", {"a": "1"})  # a status heartbeat
    assert loop.woken == 1
    rt.node_seen("n1", {"a": "2"})
    rt.node_seen("n1", None)
    assert loop.woken == 3
