"""The size limits kube-apiserver enforces on what it stores.

- A Secret's data, or a ConfigMap's data plus binaryData, may hold at most 1 MiB
  (`core.MaxSecretSize`, pkg/apis/core/validation: `ValidateSecret`, `ValidateConfigMap`),
  counted in decoded bytes: 422 Invalid, `data: Too long: ...` for a Secret, the empty path
  (`[]`) for a ConfigMap, as kube-apiserver words it since 1.32.
- A request body may be at most 3 MiB (the apiserver's MaxRequestBodyBytes, read before any
  decoding): 413 RequestEntityTooLarge.

- etcd refuses a write over its request limit (1.5 MiB by default): kube-apiserver passes
  etcd's error on as a 500 without a reason, `etcdserver: request is too large`. Custom
  resources are stored as JSON, so their compact JSON is what is measured; built-in kinds are
  stored as protobuf, which the simulator does not encode, so they are not measured (a Secret
  or ConfigMap stays under the limit by the first rule).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .errors import ApiError, invalid
from .resources import ResourceType

MAX_SECRET_SIZE = 1024 * 1024  # core.MaxSecretSize, for ConfigMaps too
MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024
ETCD_MAX_REQUEST_BYTES = 1536 * 1024  # etcd's --max-request-bytes default
TOO_LONG = f"Too long: may not be more than {MAX_SECRET_SIZE} bytes"


def check_request_body(raw: bytes) -> None:
    if len(raw) > MAX_REQUEST_BODY_BYTES:
        raise ApiError(413, "RequestEntityTooLarge",
                       f"Request entity too large: limit is {MAX_REQUEST_BODY_BYTES}")


def _decoded_size(value: Any) -> int:
    if not isinstance(value, str):
        return 0
    try:
        return len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return len(value) * 3 // 4


def _text_size(value: Any) -> int:
    return len(value.encode("utf-8", "surrogatepass")) if isinstance(value, str) else 0


def data_size(kind: str, obj: dict[str, Any]) -> int:
    """Bytes of a Secret's data or a ConfigMap's data and binaryData, as validation counts."""
    data = obj.get("data") or {}
    binary = obj.get("binaryData") or {}
    if kind == "Secret":
        return sum(_decoded_size(v) for v in data.values())
    return sum(_text_size(v) for v in data.values()) + sum(
        _decoded_size(v) for v in binary.values())


def check_data_size(rtype: ResourceType, obj: dict[str, Any]) -> None:
    """422 when a Secret's or ConfigMap's data is over MaxSecretSize."""
    if data_size(rtype.kind, obj) <= MAX_SECRET_SIZE:
        return
    field = "data" if rtype.kind == "Secret" else "[]"
    raise invalid(rtype.kind, rtype.group, obj["metadata"]["name"],
                  [{"reason": "FieldValueTooLong", "field": field, "message": TOO_LONG}])


def check_stored_size(obj: dict[str, Any]) -> None:
    """500 when a custom resource, as stored (compact JSON), is over etcd's request limit."""
    size = len(json.dumps(obj, separators=(",", ":")).encode())
    if size > ETCD_MAX_REQUEST_BYTES:
        raise ApiError(500, "", "etcdserver: request is too large")
