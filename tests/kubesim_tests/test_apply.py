"""Server-side apply: creation, managedFields, conflicts, force, removal of dropped fields."""

from __future__ import annotations

import json

from .support import APPLY, Http


def cm(ns: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/configmaps" + (f"/{name}" if name else "")


def config(name: str, data: dict[str, str], **meta) -> str:
    return json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **meta}, "data": data}
    )


def test_apply_creates_a_missing_object_with_201_and_an_apply_entry(
    http: Http, namespace: str
) -> None:
    response = http.patch(cm(namespace, "a"), config("a", {"k": "v"}), APPLY, fieldManager="tool")
    assert response.status_code == 201
    entries = response.json()["metadata"]["managedFields"]
    assert [(e["manager"], e["operation"]) for e in entries] == [("tool", "Apply")]
    assert entries[0]["fieldsV1"] == {"f:data": {"f:k": {}}}


def test_apply_without_field_manager_is_rejected(http: Http, namespace: str) -> None:
    response = http.patch(cm(namespace, "a"), config("a", {"k": "v"}), APPLY)
    assert response.status_code == 422
    assert response.json()["details"]["causes"][0]["field"] == "fieldManager"


def test_apply_accepts_yaml(http: Http, namespace: str) -> None:
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n"
    response = http.patch(cm(namespace, "y"), body, APPLY, fieldManager="tool")
    assert response.status_code == 201
    assert response.json()["data"] == {"k": "v"}


def test_changing_a_field_owned_by_another_manager_is_a_409_conflict(
    http: Http, namespace: str
) -> None:
    http.patch(cm(namespace, "c"), config("c", {"k": "one"}), APPLY, fieldManager="first")
    response = http.patch(
        cm(namespace, "c"), config("c", {"k": "two"}), APPLY, fieldManager="second"
    )
    assert response.status_code == 409
    body = response.json()
    assert (
        body["message"] == 'Apply failed with 1 conflict: conflict with "first" using v1: .data.k'
    )
    assert body["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "first" using v1',
            "field": ".data.k",
        }
    ]


def test_applying_the_same_value_shares_ownership_without_conflict(
    http: Http, namespace: str
) -> None:
    http.patch(cm(namespace, "s"), config("s", {"k": "same"}), APPLY, fieldManager="first")
    response = http.patch(
        cm(namespace, "s"), config("s", {"k": "same"}), APPLY, fieldManager="second"
    )
    assert response.status_code == 200
    managers = {e["manager"] for e in response.json()["metadata"]["managedFields"]}
    assert managers == {"first", "second"}


def test_force_takes_ownership_from_the_other_manager(http: Http, namespace: str) -> None:
    http.patch(cm(namespace, "f"), config("f", {"k": "one", "x": "1"}), APPLY, fieldManager="first")
    response = http.patch(
        cm(namespace, "f"), config("f", {"k": "two"}), APPLY, fieldManager="second", force="true"
    )
    assert response.status_code == 200
    obj = response.json()
    assert obj["data"] == {"k": "two", "x": "1"}
    owned = {e["manager"]: e["fieldsV1"] for e in obj["metadata"]["managedFields"]}
    assert owned == {"first": {"f:data": {"f:x": {}}}, "second": {"f:data": {"f:k": {}}}}


def test_fields_dropped_from_the_applied_configuration_are_removed(
    http: Http, namespace: str
) -> None:
    http.patch(
        cm(namespace, "r"),
        config("r", {"keep": "1", "drop": "2"}, labels={"a": "b"}),
        APPLY,
        fieldManager="tool",
    )
    response = http.patch(
        cm(namespace, "r"), config("r", {"keep": "1"}), APPLY, fieldManager="tool"
    )
    obj = response.json()
    assert obj["data"] == {"keep": "1"}
    assert not obj["metadata"].get("labels")


def test_fields_still_owned_by_another_manager_survive_removal(http: Http, namespace: str) -> None:
    http.patch(cm(namespace, "o"), config("o", {"k": "v"}), APPLY, fieldManager="first")
    http.patch(cm(namespace, "o"), config("o", {"k": "v"}), APPLY, fieldManager="second")
    response = http.patch(cm(namespace, "o"), config("o", {}), APPLY, fieldManager="first")
    assert response.json()["data"] == {"k": "v"}


def test_an_update_takes_ownership_of_the_fields_it_changes(http: Http, namespace: str) -> None:
    http.patch(cm(namespace, "u"), config("u", {"k": "v"}), APPLY, fieldManager="applier")
    patched = http.patch(cm(namespace, "u"), {"data": {"k": "w"}}, fieldManager="editor").json()
    owned = {
        (e["manager"], e["operation"]): e["fieldsV1"] for e in patched["metadata"]["managedFields"]
    }
    assert owned == {("editor", "Update"): {"f:data": {"f:k": {}}}}
    response = http.patch(
        cm(namespace, "u"), config("u", {"k": "v"}), APPLY, fieldManager="applier"
    )
    assert response.status_code == 409


def test_keyed_lists_merge_by_key_across_managers(http: Http, namespace: str) -> None:
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/d"

    def dep(containers: list[dict]) -> str:
        return json.dumps(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "d"},
                "spec": {
                    "selector": {"matchLabels": {"a": "d"}},
                    "template": {
                        "metadata": {"labels": {"a": "d"}},
                        "spec": {"containers": containers},
                    },
                },
            }
        )

    http.patch(path, dep([{"name": "main", "image": "m:1"}]), APPLY, fieldManager="app")
    response = http.patch(path, dep([{"name": "side", "image": "s:1"}]), APPLY, fieldManager="mesh")
    containers = response.json()["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["main", "side"]


def test_an_item_applied_in_the_middle_of_a_keyed_list_lands_there(
    http: Http, namespace: str
) -> None:
    # structured-merge-diff 4.2.1+ (Kubernetes 1.23+) keeps the applied order: a chart's next
    # version that adds a volume mount between two others reads back in the chart's order.
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/m"

    def dep(mounts: list[str]) -> str:
        container = {"name": "api", "image": "a:1",
                     "volumeMounts": [{"name": m, "mountPath": f"/{m}"} for m in mounts]}
        return json.dumps({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "m"},
            "spec": {"selector": {"matchLabels": {"a": "m"}},
                     "template": {"metadata": {"labels": {"a": "m"}},
                                  "spec": {"containers": [container],
                                           "volumes": [{"name": v, "emptyDir": {}}
                                                       for v in mounts]}}},
        })

    http.patch(path, dep(["etc", "logs"]), APPLY, fieldManager="helm")
    response = http.patch(path, dep(["etc", "certs", "logs"]), APPLY, fieldManager="helm")
    spec = response.json()["spec"]["template"]["spec"]
    assert [m["mountPath"] for m in spec["containers"][0]["volumeMounts"]] == [
        "/etc", "/certs", "/logs"]
    assert [v["name"] for v in spec["volumes"]] == ["etc", "certs", "logs"]


def test_applied_order_wins_and_items_of_other_managers_keep_their_place(
    http: Http, namespace: str
) -> None:
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/o"

    def dep(names: list[str]) -> str:
        return json.dumps({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "o"},
            "spec": {"selector": {"matchLabels": {"a": "o"}},
                     "template": {"metadata": {"labels": {"a": "o"}},
                                  "spec": {"containers": [{"name": n, "image": f"{n}:1"}
                                                          for n in names]}}},
        })

    http.patch(path, dep(["a", "b"]), APPLY, fieldManager="helm")
    http.patch(path, dep(["mesh"]), APPLY, fieldManager="mesh")
    response = http.patch(path, dep(["a", "c", "b"]), APPLY, fieldManager="helm")
    containers = response.json()["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["a", "c", "b", "mesh"]
