"""Watch: resume from a resourceVersion, selector transitions, bookmarks, 410, timeouts."""

from __future__ import annotations

import threading
import time

from .support import NOT_ROOT_CA, Http, configmap


def cms(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def test_watch_from_a_resource_version_replays_later_events_in_order(
    http: Http, namespace: str
) -> None:
    start = http.get(cms(namespace)).json()["metadata"]["resourceVersion"]
    http.post(cms(namespace), configmap("a"))
    http.patch(cms(namespace) + "/a", {"data": {"a": "2"}})
    http.delete(cms(namespace) + "/a")
    events = http.watch(cms(namespace), resourceVersion=start, timeoutSeconds=1)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions)


def test_watch_without_resource_version_starts_with_synthetic_added_events(
    http: Http, namespace: str
) -> None:
    http.post(cms(namespace), configmap("x"))
    events = http.watch(cms(namespace), timeoutSeconds=1, fieldSelector=NOT_ROOT_CA)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "x")]


def test_watch_streams_live_events(http: Http, namespace: str) -> None:
    start = http.get(cms(namespace)).json()["metadata"]["resourceVersion"]
    threading.Timer(0.2, lambda: http.post(cms(namespace), configmap("live"))).start()
    events = http.watch(cms(namespace), resourceVersion=start, timeoutSeconds=3, max_events=1)
    assert events[0]["type"] == "ADDED"
    assert events[0]["object"]["metadata"]["name"] == "live"


def test_objects_leaving_a_label_selection_are_seen_as_deleted(http: Http, namespace: str) -> None:
    start = http.get(cms(namespace)).json()["metadata"]["resourceVersion"]
    http.post(cms(namespace), configmap("s", labels={"pick": "yes"}))
    http.patch(cms(namespace) + "/s", {"metadata": {"labels": {"pick": "no"}}})
    http.patch(cms(namespace) + "/s", {"metadata": {"labels": {"pick": "yes"}}})
    events = http.watch(
        cms(namespace), resourceVersion=start, timeoutSeconds=1, labelSelector="pick=yes"
    )
    assert [e["type"] for e in events] == ["ADDED", "DELETED", "ADDED"]


def test_watch_from_a_compacted_resource_version_answers_410_expired(
    http: Http, namespace: str, sim
) -> None:
    old = http.get(cms(namespace)).json()["metadata"]["resourceVersion"]
    http.post(cms(namespace), configmap("c"))
    sim.compact()
    events = http.watch(cms(namespace), resourceVersion=old, timeoutSeconds=1)
    assert events[0]["type"] == "ERROR"
    assert events[0]["object"]["code"] == 410
    assert events[0]["object"]["reason"] == "Expired"


def test_bookmarks_carry_the_current_resource_version(http: Http, namespace: str) -> None:
    start = http.get(cms(namespace)).json()["metadata"]["resourceVersion"]
    events = http.watch(
        cms(namespace), resourceVersion=start, timeoutSeconds=1.5, allowWatchBookmarks="true"
    )
    bookmarks = [e for e in events if e["type"] == "BOOKMARK"]
    assert bookmarks, "expected at least one bookmark within the stream"
    assert bookmarks[-1]["object"]["kind"] == "ConfigMap"
    assert int(bookmarks[-1]["object"]["metadata"]["resourceVersion"]) >= int(start)


def test_send_initial_events_ends_with_the_initial_events_end_bookmark(
    http: Http, namespace: str
) -> None:
    http.post(cms(namespace), configmap("i"))
    events = http.watch(
        cms(namespace),
        fieldSelector=NOT_ROOT_CA,
        sendInitialEvents="true",
        allowWatchBookmarks="true",
        resourceVersionMatch="NotOlderThan",
        timeoutSeconds=1,
        max_events=2,
    )
    assert events[0]["type"] == "ADDED"
    assert events[1]["type"] == "BOOKMARK"
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_timeout_seconds_ends_the_stream(http: Http, namespace: str) -> None:
    began = time.monotonic()
    http.watch(cms(namespace), timeoutSeconds=0.5)
    assert 0.4 < time.monotonic() - began < 3
