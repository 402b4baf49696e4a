"""Fault injection and honest refusals."""

from __future__ import annotations

import threading
import time

from .support import Http, configmap


def test_fail_rule_answers_with_the_status_a_bounded_number_of_times(
    http: Http, namespace: str, sim
) -> None:
    sim.faults.fail("POST", f"/namespaces/{namespace}/configmaps", status=503, count=1)
    failed = http.post(f"/api/v1/namespaces/{namespace}/configmaps", configmap("f"))
    assert failed.status_code == 503
    assert failed.json()["reason"] == "ServiceUnavailable"
    assert (
        http.post(f"/api/v1/namespaces/{namespace}/configmaps", configmap("f")).status_code == 201
    )


def test_throttle_sends_429_with_retry_after(http: Http, namespace: str, sim) -> None:
    sim.faults.throttle("GET", "/configmaps", retry_after=2)
    response = http.get(f"/api/v1/namespaces/{namespace}/configmaps")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json()["details"]["retryAfterSeconds"] == 2


def test_gone_rule_answers_410(http: Http, namespace: str, sim) -> None:
    sim.faults.gone("GET", f"/namespaces/{namespace}/configmaps")
    assert http.get(f"/api/v1/namespaces/{namespace}/configmaps").status_code == 410


def test_delay_rule_slows_matching_requests(http: Http, namespace: str, sim) -> None:
    sim.faults.delay("GET", f"/namespaces/{namespace}/secrets", 0.3, count=1)
    began = time.monotonic()
    http.get(f"/api/v1/namespaces/{namespace}/secrets")
    assert time.monotonic() - began >= 0.3


def test_drop_watches_rule_ends_a_stream_after_n_events(http: Http, namespace: str, sim) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    http.post(path, configmap("a"))
    http.post(path, configmap("b"))
    sim.faults.drop_watches(f"/namespaces/{namespace}/configmaps", after_events=1)
    began = time.monotonic()
    events = http.watch(path, timeoutSeconds=5)
    assert len(events) == 1 and time.monotonic() - began < 2


def test_drop_watches_ends_open_streams_now(http: Http, namespace: str, sim) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    threading.Timer(0.3, lambda: sim.drop_watches(f"/namespaces/{namespace}/configmaps")).start()
    began = time.monotonic()
    http.watch(path, timeoutSeconds=5)
    assert time.monotonic() - began < 2


def test_lag_watches_delivers_each_event_late_while_reads_answer_at_once(
    http: Http, namespace: str, sim
) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    rv = http.get(path).json()["metadata"]["resourceVersion"]
    sim.faults.lag_watches(f"/namespaces/{namespace}/configmaps", 0.6)
    arrived: list[float] = []

    def watch() -> None:
        for _ in http.watch(path, resourceVersion=rv, timeoutSeconds=3, max_events=2):
            arrived.append(time.monotonic())

    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(0.2)
    written = time.monotonic()
    http.post(path, configmap("a"))
    http.post(path, configmap("b"))
    assert http.get(f"{path}/b").status_code == 200  # a read sees the write at once
    watcher.join()
    assert len(arrived) == 2
    assert arrived[0] - written >= 0.55  # late, but not late once per event queued before it
    assert arrived[1] - arrived[0] < 0.4


def test_unimplemented_subresources_answer_501_naming_the_feature(
    http: Http, namespace: str
) -> None:
    response = http.get(f"/api/v1/namespaces/{namespace}/pods/p/log")
    assert response.status_code == 501
    assert response.json()["message"] == "kubesim does not implement the pods/log subresource"


def test_unknown_resources_answer_404(http: Http) -> None:
    assert http.get("/apis/apps/v1/frobnicators").status_code == 404


def test_unsupported_patch_type_is_415(http: Http, namespace: str) -> None:
    http.post(f"/api/v1/namespaces/{namespace}/configmaps", configmap("u"))
    response = http.patch(
        f"/api/v1/namespaces/{namespace}/configmaps/u", {}, "application/x-unknown"
    )
    assert response.status_code == 415
