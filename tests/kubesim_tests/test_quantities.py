"""Resource quantities are stored in their canonical form, as kube-apiserver's decoder keeps
them: what a chart renders (`cpu: 2000m`, `memory: 1024Mi`) is not what a client reads back."""

from __future__ import annotations

import pytest

from tests.kubesim.quantities import canonical

from .support import Http, deployment


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("0.5", "500m"),
        (0.5, "500m"),
        (2, "2"),
        ("2000m", "2"),
        ("1500m", "1500m"),
        ("100m", "100m"),
        ("1000", "1k"),
        ("1000k", "1M"),
        ("128974848", "128974848"),
        ("1024Mi", "1Gi"),
        ("1.5Gi", "1536Mi"),
        ("0.5Gi", "512Mi"),
        ("1.5Ki", "1536"),
        ("512Ki", "512Ki"),
        ("0.1n", "1n"),
        ("1e3", "1e3"),
        ("12e6", "12e6"),
        ("0", "0"),
    ],
)
def test_a_quantity_is_stored_in_its_canonical_form(written, stored) -> None:
    assert canonical(written) == stored


@pytest.mark.parametrize("written", ["abc", "1x", "", "1e", True, None])
def test_what_is_not_a_quantity_is_refused(written) -> None:
    with pytest.raises(ValueError):
        canonical(written)


def test_container_resources_read_back_canonical(http: Http, namespace: str) -> None:
    body = deployment("sized")
    body["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": "0.1", "memory": "128Mi"},
        "limits": {"cpu": "2000m", "memory": "1024Mi"},
    }
    created = http.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", body).json()
    assert created["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }


def test_claim_sizes_read_back_canonical(http: Http, namespace: str) -> None:
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2048Mi"}}},
    }
    created = http.post(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims", claim).json()
    assert created["spec"]["resources"]["requests"]["storage"] == "2Gi"


def test_an_invalid_quantity_is_a_bad_request_and_nothing_is_stored(
    http: Http, namespace: str
) -> None:
    body = deployment("unsized")
    body["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "two"}}
    response = http.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", body)
    assert response.status_code == 400
    assert response.json()["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: quantities must match '
        "the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )
    assert http.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/unsized").status_code == 404
