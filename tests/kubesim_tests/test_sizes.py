"""Size limits as kube-apiserver enforces them: a Secret's or ConfigMap's data of at most
1 MiB (core validation's MaxSecretSize: decoded bytes, data plus binaryData), request bodies
of at most 3 MiB (the apiserver's MaxRequestBodyBytes, 413 before any decoding), and what
etcd stores of a custom resource at most 1.5 MiB (etcd's request limit, passed on as a 500)."""

from __future__ import annotations

import base64

from .support import MERGE, Http, widget

MIB = 1024 * 1024


def path(ns: str, plural: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/{plural}" + (f"/{name}" if name else "")


def secret(name: str, size: int) -> dict:
    return {"metadata": {"name": name},
            "data": {"blob": base64.b64encode(b"x" * size).decode()}}


def test_a_secret_of_exactly_one_mib_is_stored(http: Http, namespace: str) -> None:
    created = http.post(path(namespace, "secrets"), secret("edge", MIB))
    assert created.status_code == 201, created.text[:300]


def test_a_secret_over_one_mib_is_422_too_long_on_data(http: Http, namespace: str) -> None:
    refused = http.post(path(namespace, "secrets"), secret("big", MIB + 1))
    assert refused.status_code == 422
    body = refused.json()
    assert body["reason"] == "Invalid"
    assert body["message"] == (
        'Secret "big" is invalid: data: Too long: may not be more than 1048576 bytes')
    assert body["details"]["causes"] == [{
        "reason": "FieldValueTooLong", "field": "data",
        "message": "Too long: may not be more than 1048576 bytes"}]
    assert http.get(path(namespace, "secrets", "big")).status_code == 404


def test_the_secret_limit_counts_decoded_bytes_of_every_key(http: Http, namespace: str) -> None:
    half = {"metadata": {"name": "halves"}, "data": {
        "a": base64.b64encode(b"x" * (MIB // 2)).decode(),
        "b": base64.b64encode(b"x" * (MIB // 2 + 1)).decode()}}
    assert http.post(path(namespace, "secrets"), half).status_code == 422


def test_string_data_counts_once_merged_into_data(http: Http, namespace: str) -> None:
    body = {"metadata": {"name": "strings"}, "stringData": {"a": "x" * (MIB + 1)}}
    assert http.post(path(namespace, "secrets"), body).status_code == 422


def test_an_update_that_grows_a_secret_over_the_limit_is_refused_and_changes_nothing(
    http: Http, namespace: str
) -> None:
    http.post(path(namespace, "secrets"), secret("grows", 10))
    grown = http.patch(path(namespace, "secrets", "grows"),
                       {"data": {"more": base64.b64encode(b"y" * MIB).decode()}},
                       content_type=MERGE)
    assert grown.status_code == 422
    kept = http.get(path(namespace, "secrets", "grows")).json()
    assert list(kept["data"]) == ["blob"]


def test_a_config_map_over_one_mib_is_422_on_the_empty_path(http: Http, namespace: str) -> None:
    body = {"metadata": {"name": "big"}, "data": {"a": "x" * (MIB - 10)},
            "binaryData": {"b": base64.b64encode(b"z" * 11).decode()}}
    refused = http.post(path(namespace, "configmaps"), body)
    assert refused.status_code == 422
    assert refused.json()["message"] == (
        'ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes')


def test_a_config_map_counts_utf8_bytes(http: Http, namespace: str) -> None:
    body = {"metadata": {"name": "utf8"}, "data": {"a": "€" * (MIB // 3 + 1)}}  # 3 bytes each
    assert http.post(path(namespace, "configmaps"), body).status_code == 422


def test_a_config_map_of_exactly_one_mib_is_stored(http: Http, namespace: str) -> None:
    body = {"metadata": {"name": "edge"}, "data": {"a": "x" * MIB}}
    assert http.post(path(namespace, "configmaps"), body).status_code == 201


def test_a_body_over_three_mib_is_413_before_decoding(http: Http, namespace: str) -> None:
    body = {"metadata": {"name": "huge"}, "data": {"a": "x" * (3 * MIB)}}
    refused = http.post(path(namespace, "configmaps"), body)
    assert refused.status_code == 413
    assert refused.json()["reason"] == "RequestEntityTooLarge"
    assert refused.json()["message"] == "Request entity too large: limit is 3145728"


def test_a_custom_resource_over_etcds_limit_is_500_from_etcd(
    http: Http, widgets: str, namespace: str
) -> None:
    big = widget("big", size="small", labels={"blob": "x" * (1536 * 1024)})
    refused = http.post(f"{widgets}/namespaces/{namespace}/widgets", big)
    assert refused.status_code == 500
    assert refused.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                              "status": "Failure", "message": "etcdserver: request is too large",
                              "code": 500}
    assert http.get(f"{widgets}/namespaces/{namespace}/widgets/big").status_code == 404


def test_a_custom_resource_under_etcds_limit_is_stored(
    http: Http, widgets: str, namespace: str
) -> None:
    fits = widget("fits", size="small", labels={"blob": "x" * (1400 * 1024)})
    assert http.post(f"{widgets}/namespaces/{namespace}/widgets", fits).status_code == 201
