"""A watch stream's events as kube-apiserver sends them: JSON lines in chunks that split them
anywhere; an ERROR event is a KubeError (410: list again); a metadata-only watch refuses whole
objects."""

import json

import pytest

from osprey.kube import KubeError, WatchStream


class Response:
    """urllib3's streaming response, as far as WatchStream uses it."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.released = False

    def stream(self, amt, decode_content=True):
        yield from self.chunks

    def release_conn(self):
        self.released = True

    def shutdown(self):
        pass


def line(type_, obj):
    return (json.dumps({"type": type_, "object": obj}) + "\n").encode()


def partial(name, rv):
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"name": name, "resourceVersion": rv}}


def test_events_split_across_chunks_arrive_whole_and_in_order():
    data = line("ADDED", partial("a", "1")) + line("BOOKMARK", {"metadata": {
        "resourceVersion": "2"}}) + line("DELETED", partial("a", "3"))
    response = Response([data[:7], data[7:50], data[50:51], data[51:]])
    events = list(WatchStream(response, "GET /api/v1/secrets (watch)", metadata_only=True))
    assert [(t, o["metadata"]["resourceVersion"]) for t, o in events] == [
        ("ADDED", "1"), ("BOOKMARK", "2"), ("DELETED", "3")]
    assert response.released


def test_an_expired_watch_raises_410():
    gone = {"kind": "Status", "code": 410, "reason": "Expired",
            "message": "too old resource version: 5 (9)"}
    stream = WatchStream(Response([line("ADDED", partial("a", "1")), line("ERROR", gone)]),
                         "GET /api/v1/secrets (watch)", metadata_only=True)
    with pytest.raises(KubeError) as raised:
        list(stream)
    assert raised.value.status == 410 and "too old" in raised.value.message


def test_a_metadata_only_watch_refuses_whole_objects():
    whole = {"kind": "Secret", "metadata": {"name": "a", "resourceVersion": "1"}, "data": {}}
    stream = WatchStream(Response([line("ADDED", whole)]), "GET /api/v1/secrets (watch)",
                         metadata_only=True)
    with pytest.raises(KubeError, match="metadata-only watch"):
        list(stream)
