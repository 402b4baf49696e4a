"""Deletion: finalizers, deletionTimestamp, owner-reference GC, namespace termination."""

from __future__ import annotations

from .support import Http, configmap, wait_for


def cm(ns: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/configmaps" + (f"/{name}" if name else "")


def owned_by(owner: dict, name: str) -> dict:
    ref = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    return configmap(name, ownerReferences=[ref])


def gone(http: Http, path: str) -> bool:
    return http.get(path).status_code == 404


def test_delete_without_finalizers_removes_and_returns_success_status(
    http: Http, namespace: str
) -> None:
    http.post(cm(namespace), configmap("d"))
    response = http.delete(cm(namespace, "d"))
    assert response.status_code == 200
    assert response.json()["status"] == "Success"
    assert gone(http, cm(namespace, "d"))


def test_finalizers_hold_a_deleted_object_until_removed(http: Http, namespace: str) -> None:
    http.post(cm(namespace), configmap("f", finalizers=["example.com/hold"]))
    response = http.delete(cm(namespace, "f"))
    assert response.status_code == 202
    held = http.get(cm(namespace, "f")).json()
    assert held["metadata"]["deletionTimestamp"]
    http.patch(cm(namespace, "f"), {"metadata": {"finalizers": None}})
    assert gone(http, cm(namespace, "f"))


def test_no_new_finalizers_once_deletion_started(http: Http, namespace: str) -> None:
    http.post(cm(namespace), configmap("n", finalizers=["example.com/hold"]))
    http.delete(cm(namespace, "n"))
    response = http.patch(
        cm(namespace, "n"), {"metadata": {"finalizers": ["example.com/hold", "x/y"]}}
    )
    assert response.status_code == 422


def test_delete_preconditions_mismatch_is_409(http: Http, namespace: str) -> None:
    http.post(cm(namespace), configmap("p"))
    response = http.delete(cm(namespace, "p"), {"preconditions": {"uid": "not-the-uid"}})
    assert response.status_code == 409


def test_background_deletion_collects_dependents(http: Http, namespace: str) -> None:
    owner = http.post(cm(namespace), configmap("owner")).json()
    http.post(cm(namespace), owned_by(owner, "child"))
    http.delete(cm(namespace, "owner"))
    wait_for(lambda: gone(http, cm(namespace, "child")))


def test_foreground_deletion_removes_dependents_before_the_owner(
    http: Http, namespace: str
) -> None:
    owner = http.post(cm(namespace), configmap("fg")).json()
    http.post(
        cm(namespace),
        owned_by(owner, "fg-child")
        | {
            "metadata": {
                **owned_by(owner, "fg-child")["metadata"],
                "finalizers": ["example.com/hold"],
            }
        },
    )
    http.delete(cm(namespace, "fg"), {"propagationPolicy": "Foreground"})
    held = http.get(cm(namespace, "fg")).json()
    assert "foregroundDeletion" in held["metadata"]["finalizers"]
    wait_for(
        lambda: http.get(cm(namespace, "fg-child")).json()["metadata"].get("deletionTimestamp")
    )
    assert http.get(cm(namespace, "fg")).status_code == 200
    http.patch(cm(namespace, "fg-child"), {"metadata": {"finalizers": None}})
    wait_for(lambda: gone(http, cm(namespace, "fg")))


def test_orphan_deletion_keeps_dependents_and_strips_their_owner_reference(
    http: Http, namespace: str
) -> None:
    owner = http.post(cm(namespace), configmap("or")).json()
    http.post(cm(namespace), owned_by(owner, "or-child"))
    http.delete(cm(namespace, "or"), propagationPolicy="Orphan")
    wait_for(lambda: gone(http, cm(namespace, "or")))
    child = http.get(cm(namespace, "or-child")).json()
    assert "ownerReferences" not in child["metadata"]


def test_object_with_a_dangling_owner_is_collected(http: Http, namespace: str) -> None:
    ghost = {"metadata": {"name": "ghost", "uid": "00000000-0000-0000-0000-000000000000"}}
    http.post(cm(namespace), owned_by(ghost, "orphan"))
    wait_for(lambda: gone(http, cm(namespace, "orphan")))


def test_namespace_deletion_terminates_then_removes_everything(http: Http, kube) -> None:
    ns = kube.new_namespace("doomed")
    http.post(cm(ns), configmap("held", finalizers=["example.com/hold"]))
    http.delete(f"/api/v1/namespaces/{ns}")
    assert http.get(f"/api/v1/namespaces/{ns}").json()["status"]["phase"] == "Terminating"
    refused = http.post(cm(ns), configmap("late"))
    assert refused.status_code == 403
    wait_for(lambda: http.get(cm(ns, "held")).json()["metadata"].get("deletionTimestamp"))
    http.patch(cm(ns, "held"), {"metadata": {"finalizers": None}})
    wait_for(lambda: gone(http, f"/api/v1/namespaces/{ns}"))
