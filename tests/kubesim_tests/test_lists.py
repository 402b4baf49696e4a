"""Lists: label and field selectors, cluster-wide lists, pagination."""

from __future__ import annotations

from .support import NOT_ROOT_CA, Http, configmap


def names(response) -> list[str]:
    return [i["metadata"]["name"] for i in response.json()["items"]]


def test_label_selectors_support_equality_sets_and_existence(http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    http.post(path, configmap("a", labels={"tier": "db", "env": "prod"}))
    http.post(path, configmap("b", labels={"tier": "web"}))
    http.post(path, configmap("c"))
    assert names(http.get(path, labelSelector="tier=db")) == ["a"]
    assert names(http.get(path, labelSelector="tier!=db", fieldSelector=NOT_ROOT_CA)) == ["b", "c"]
    assert names(http.get(path, labelSelector="tier in (db,web)")) == ["a", "b"]
    assert names(http.get(path, labelSelector="tier,!env")) == ["b"]
    assert names(http.get(path, labelSelector="!tier")) == ["c", "kube-root-ca.crt"]


def test_field_selectors_on_name_and_namespace(http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    http.post(path, configmap("a"))
    http.post(path, configmap("b"))
    assert names(http.get(path, fieldSelector="metadata.name=b")) == ["b"]
    everywhere = http.get(
        "/api/v1/configmaps", fieldSelector=f"metadata.namespace={namespace},{NOT_ROOT_CA}"
    )
    assert names(everywhere) == ["a", "b"]


def test_unsupported_field_selector_is_400(http: Http, namespace: str) -> None:
    response = http.get(f"/api/v1/namespaces/{namespace}/configmaps", fieldSelector="data.a=1")
    assert response.status_code == 400
    assert response.json()["message"] == "field label not supported: data.a"


def test_limit_and_continue_page_through_a_list(http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    for name in "abcde":
        http.post(path, configmap(name))
    first = http.get(path, limit=2, fieldSelector=NOT_ROOT_CA).json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["a", "b"]
    assert first["metadata"]["remainingItemCount"] == 3
    second = http.get(
        path, limit=2, fieldSelector=NOT_ROOT_CA, **{"continue": first["metadata"]["continue"]}
    ).json()
    assert [i["metadata"]["name"] for i in second["items"]] == ["c", "d"]


def test_list_carries_kind_and_resource_version(http: Http, namespace: str) -> None:
    listing = http.get(f"/apis/apps/v1/namespaces/{namespace}/deployments").json()
    assert listing["kind"] == "DeploymentList"
    assert int(listing["metadata"]["resourceVersion"]) > 0
