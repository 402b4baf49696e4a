"""Metadata-only reads (`as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1`), as client-go's
metadata client and informers ask for them: objects' metadata, never their bodies."""

from __future__ import annotations

import json
from typing import Any

from .support import Http

AS_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
AS_OBJECT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
# What client-go's metadata client sends for a list: protobuf first, JSON after.
CLIENT_GO_LIST = (
    "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"
    f"{AS_LIST},application/json"
)


def secret(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": name, "labels": labels, "annotations": {"a": "b"}},
            "data": {"release": "cGF5bG9hZA=="}}


def read(http: Http, path: str, accept: str, **params: Any):
    return http.session.get(http.base + path, params=params, headers={"Accept": accept},
                            timeout=10)


def test_a_list_as_partial_object_metadata_list_carries_metadata_and_no_data(
        http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/secrets"
    created = http.post(path, secret("sh.helm.release.v1.nova.v1", owner="helm")).json()
    http.post(path, secret("other"))
    response = read(http, path, CLIENT_GO_LIST, labelSelector="owner=helm")
    assert response.status_code == 200
    listing = response.json()
    assert listing["kind"] == "PartialObjectMetadataList"
    assert listing["apiVersion"] == "meta.k8s.io/v1"
    assert int(listing["metadata"]["resourceVersion"]) >= int(
        created["metadata"]["resourceVersion"])
    assert listing["items"] == [{"kind": "PartialObjectMetadata",
                                 "apiVersion": "meta.k8s.io/v1",
                                 "metadata": created["metadata"]}]


def test_a_metadata_list_pages_like_the_full_list(http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/secrets"
    for name in "abc":
        http.post(path, secret(name, tier="x"))
    first = read(http, path, AS_LIST, labelSelector="tier=x", limit=2).json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["a", "b"]
    assert first["metadata"]["remainingItemCount"] == 1
    rest = read(http, path, AS_LIST, labelSelector="tier=x",
                **{"continue": first["metadata"]["continue"]}).json()
    assert [i["metadata"]["name"] for i in rest["items"]] == ["c"]


def test_an_empty_metadata_list_has_an_empty_items_list(http: Http, namespace: str) -> None:
    listing = read(http, f"/api/v1/namespaces/{namespace}/secrets", AS_LIST,
                   labelSelector="owner=nobody").json()
    assert listing["items"] == []


def test_one_object_as_partial_object_metadata(http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/secrets"
    created = http.post(path, secret("s")).json()
    response = read(http, f"{path}/s", AS_OBJECT)
    assert response.status_code == 200
    assert response.json() == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                "metadata": created["metadata"]}


def test_a_list_asked_for_as_one_object_is_406(http: Http, namespace: str) -> None:
    response = read(http, f"/api/v1/namespaces/{namespace}/secrets", AS_OBJECT)
    assert response.status_code == 406
    assert response.json()["message"] == (
        "you requested PartialObjectMetadata, but the requested object is a list "
        "(*core.SecretList)")


def test_one_object_asked_for_as_a_list_is_406(http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/secrets"
    http.post(path, secret("s"))
    response = read(http, f"{path}/s", AS_LIST)
    assert response.status_code == 406
    assert response.json()["reason"] == "NotAcceptable"
    assert "not a list (*core.Secret)" in response.json()["message"]


def test_an_unknown_conversion_alone_is_406_not_the_plain_object(
        http: Http, namespace: str) -> None:
    response = read(http, f"/api/v1/namespaces/{namespace}/secrets",
                    "application/json;as=Secrets;g=meta.k8s.io;v=v1")
    assert response.status_code == 406


def test_plain_json_first_wins_over_a_later_conversion(http: Http, namespace: str) -> None:
    listing = read(http, f"/api/v1/namespaces/{namespace}/secrets",
                   f"application/json,{AS_LIST}").json()
    assert listing["kind"] == "SecretList"


def test_a_metadata_watch_streams_partial_objects_and_bookmarks(
        http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/secrets"
    created = http.post(path, secret("s")).json()
    with http.session.get(http.base + path, params={
        "watch": "true", "timeoutSeconds": "1", "sendInitialEvents": "true",
        "allowWatchBookmarks": "true", "resourceVersionMatch": "NotOlderThan",
    }, headers={"Accept": AS_OBJECT}, stream=True, timeout=10) as response:
        events = [json.loads(line) for line in response.iter_lines() if line]
    added = [e for e in events if e["type"] == "ADDED"]
    assert [e["object"] for e in added if e["object"]["metadata"]["name"] == "s"] == [
        {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
         "metadata": created["metadata"]}]
    bookmark = next(e for e in events if e["type"] == "BOOKMARK")
    assert bookmark["object"]["kind"] == "PartialObjectMetadata"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_a_watch_as_a_metadata_list_is_refused_loudly(http: Http, namespace: str) -> None:
    response = read(http, f"/api/v1/namespaces/{namespace}/secrets", AS_LIST, watch="true",
                    timeoutSeconds="1")
    assert response.status_code == 501
