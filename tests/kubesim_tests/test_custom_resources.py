"""CRDs and custom resources: registration, schema admission, subresources."""

from __future__ import annotations

from .support import APPLY, STRATEGIC, Http, widget


def test_crd_becomes_established_and_appears_in_discovery(http: Http, widgets: str) -> None:
    crd = http.get(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.kubesim.test"
    ).json()
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions == {"NamesAccepted": "True", "Established": "True"}
    resources = http.get(widgets).json()["resources"]
    assert {r["name"] for r in resources} == {"widgets", "widgets/status", "widgets/scale"}
    groups = [g["name"] for g in http.get("/apis").json()["groups"]]
    assert "kubesim.test" in groups


def test_custom_resource_is_defaulted_and_pruned(http: Http, widgets: str, namespace: str) -> None:
    body = widget("w") | {"spec": {"size": "small", "unknown": 1}}
    created = http.post(f"{widgets}/namespaces/{namespace}/widgets", body)
    assert created.status_code == 201, created.text
    assert created.json()["spec"] == {"size": "small", "replicas": 1}
    assert created.json()["metadata"]["generation"] == 1


def test_schema_violation_is_422_shaped_like_kube_apiserver(
    http: Http, widgets: str, namespace: str
) -> None:
    response = http.post(f"{widgets}/namespaces/{namespace}/widgets", widget("bad", replicas=-1))
    assert response.status_code == 422
    body = response.json()
    assert body["kind"] == "Status" and body["status"] == "Failure" and body["reason"] == "Invalid"
    assert body["message"] == (
        'Widget.kubesim.test "bad" is invalid: spec.replicas: Invalid value: '
        "-1: spec.replicas in body should be greater than or equal to 0"
    )
    assert body["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "field": "spec.replicas",
            "message": "Invalid value: -1: spec.replicas in body should be greater than "
            "or equal to 0",
        }
    ]
    assert body["details"]["group"] == "kubesim.test" and body["details"]["kind"] == "Widget"


def test_enum_pattern_required_and_cel_rules_are_enforced(
    http: Http, widgets: str, namespace: str
) -> None:
    path = f"{widgets}/namespaces/{namespace}/widgets"
    enum = http.post(path, widget("e", size="huge")).json()
    assert enum["details"]["causes"][0]["reason"] == "FieldValueNotSupported"
    pattern = http.post(path, widget("p", color="Red")).json()
    assert pattern["details"]["causes"][0]["field"] == "spec.color"
    required = http.post(
        path,
        {"apiVersion": "kubesim.test/v1", "kind": "Widget", "metadata": {"name": "r"}, "spec": {}},
    ).json()
    assert required["details"]["causes"][0]["reason"] == "FieldValueRequired"
    cel = http.post(path, widget("c", size="large", replicas=5)).json()
    assert "large widgets allow at most 3 replicas" in cel["message"]


def test_generation_ignores_status_and_metadata_changes(
    http: Http, widgets: str, namespace: str
) -> None:
    path = f"{widgets}/namespaces/{namespace}/widgets"
    http.post(path, widget("g"))
    http.patch(f"{path}/g/status", {"status": {"phase": "Ready"}})
    http.patch(f"{path}/g", {"metadata": {"labels": {"a": "b"}}})
    assert http.get(f"{path}/g").json()["metadata"]["generation"] == 1
    changed = http.patch(f"{path}/g", {"spec": {"replicas": 2}}).json()
    assert changed["metadata"]["generation"] == 2


def test_status_subresource_validates_status_only(http: Http, widgets: str, namespace: str) -> None:
    path = f"{widgets}/namespaces/{namespace}/widgets"
    http.post(path, widget("s"))
    response = http.patch(
        f"{path}/s/status", {"status": {"phase": "Ready", "replicas": 1}, "spec": {"replicas": 9}}
    )
    assert response.status_code == 200
    assert response.json()["status"]["phase"] == "Ready"
    assert response.json()["spec"]["replicas"] == 1


def test_scale_subresource_follows_the_crd_paths(http: Http, widgets: str, namespace: str) -> None:
    path = f"{widgets}/namespaces/{namespace}/widgets"
    http.post(path, widget("sc", replicas=2))
    assert http.get(f"{path}/sc/scale").json()["spec"]["replicas"] == 2
    http.put(f"{path}/sc/scale", {"spec": {"replicas": 3}})
    assert http.get(f"{path}/sc").json()["spec"]["replicas"] == 3


def test_strategic_merge_patch_is_unsupported_for_custom_resources(
    http: Http, widgets: str, namespace: str
) -> None:
    path = f"{widgets}/namespaces/{namespace}/widgets"
    http.post(path, widget("m"))
    assert http.patch(f"{path}/m", {"spec": {"replicas": 2}}, STRATEGIC).status_code == 415


def test_server_side_apply_on_custom_resources(http: Http, widgets: str, namespace: str) -> None:
    import json

    path = f"{widgets}/namespaces/{namespace}/widgets/a"
    response = http.patch(path, json.dumps(widget("a", color="red")), APPLY, fieldManager="gitops")
    assert response.status_code == 201
    invalid = http.patch(path, json.dumps(widget("a", replicas=-2)), APPLY, fieldManager="gitops")
    assert invalid.status_code == 422


def test_deleting_the_crd_deletes_its_resources(http: Http, widgets: str, namespace: str) -> None:
    path = f"{widgets}/namespaces/{namespace}/widgets"
    http.post(path, widget("doomed"))
    http.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.kubesim.test")
    from .support import wait_for

    wait_for(lambda: http.get(widgets).status_code == 404)


def test_strict_field_validation_rejects_unknown_fields(
    http: Http, widgets: str, namespace: str
) -> None:
    body = widget("strict") | {"spec": {"size": "small", "typo": 1}}
    response = http.post(
        f"{widgets}/namespaces/{namespace}/widgets", body, fieldValidation="Strict"
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        'Widget in version "v1" cannot be handled as a Widget: '
        'strict decoding error: unknown field "spec.typo"'
    )


def test_default_field_validation_warns_about_unknown_fields(
    http: Http, widgets: str, namespace: str
) -> None:
    body = widget("warn") | {"spec": {"size": "small", "typo": 1}}
    response = http.post(f"{widgets}/namespaces/{namespace}/widgets", body)
    assert response.status_code == 201
    assert response.headers["Warning"] == '299 - "unknown field \\"spec.typo\\""'
