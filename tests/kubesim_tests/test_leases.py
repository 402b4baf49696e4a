"""Leases as kube-apiserver takes them: optimistic concurrency, typed fields, validation."""

from __future__ import annotations

import pytest

from .support import Http


def lease_path(ns: str, name: str = "") -> str:
    return f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases" + (f"/{name}" if name else "")


def lease(name: str, **spec) -> dict:
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": name},
            "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15,
                     "renewTime": "2026-12-01T01:00:00.000000Z", **spec}}


def test_a_write_with_the_resource_version_read_before_another_write_is_409(
        http: Http, namespace: str) -> None:
    read = http.post(lease_path(namespace), lease("leader")).json()
    taken = {**read, "spec": {**read["spec"], "holderIdentity": "b"}}
    assert http.put(lease_path(namespace, "leader"), taken).status_code == 200
    stale = {**read, "spec": {**read["spec"], "holderIdentity": "c"}}
    again = http.put(lease_path(namespace, "leader"), stale)
    assert again.status_code == 409 and again.json()["reason"] == "Conflict"


@pytest.mark.parametrize(("spec", "detail"), [
    ({"leaseDurationSeconds": "15"}, "LeaseSpec.spec.leaseDurationSeconds of type int32"),
    ({"holderIdentity": 7}, "LeaseSpec.spec.holderIdentity of type string"),
    ({"renewTime": "2026-12-01T01:00:00Z"}, "spec.renewTime is not a MicroTime"),
])
def test_a_field_of_the_wrong_type_is_400_before_validation(
        http: Http, namespace: str, spec: dict, detail: str) -> None:
    created = http.post(lease_path(namespace), lease("typed", **spec))
    assert created.status_code == 400
    assert created.json()["message"].startswith(
        'Lease in version "v1" cannot be handled as a Lease: ')
    assert detail in created.json()["message"]


def test_a_lease_of_no_duration_is_invalid(http: Http, namespace: str) -> None:
    created = http.post(lease_path(namespace), lease("zero", leaseDurationSeconds=0,
                                                     leaseTransitions=-1))
    assert created.status_code == 422
    assert created.json()["message"] == (
        'Lease.coordination.k8s.io "zero" is invalid: [spec.leaseDurationSeconds: Invalid '
        "value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be "
        "greater than or equal to 0]")
