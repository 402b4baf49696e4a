"""Decoding of the Kubernetes protobuf request bodies that real clients send.

client-go's typed clientsets (Helm's Secret release storage among them) send bodies as
`application/vnd.kubernetes.protobuf`: the magic `k8s\\0` and a runtime.Unknown envelope that
carries the kind and the object's protobuf bytes. This module understands the messages those
clients send (Secret, ConfigMap, Namespace, DeleteOptions with their ObjectMeta) and turns
them into the JSON-shaped dicts the simulator stores; any other kind, or a field it does not
know, is refused with 415 naming it instead of being half-read.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from .errors import ApiError

MAGIC = b"k8s\x00"


def _unsupported(what: str) -> ApiError:
    return ApiError(
        415, "UnsupportedMediaType", f"kubesim cannot decode protobuf {what}; send application/json"
    )


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(data: bytes) -> list[tuple[int, Any]]:
    """(field number, value) pairs: ints for varints, bytes for length-delimited."""
    out, pos = [], 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = int.from_bytes(data[pos : pos + 8], "little"), pos + 8
        elif wire == 5:
            value, pos = int.from_bytes(data[pos : pos + 4], "little"), pos + 4
        else:
            raise _unsupported(f"wire type {wire}")
        out.append((number, value))
    return out


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _map(entries: list[bytes], decode_value: Any = lambda b: b.decode()) -> dict[str, Any]:
    out = {}
    for entry in entries:
        parts = dict(fields(entry))
        out[parts.get(1, b"").decode()] = decode_value(parts.get(2, b""))
    return out


def _time(data: bytes) -> str | None:
    parts = dict(fields(data))
    if _signed(parts.get(1, 0)) <= 0:
        return None  # Go's zero time: the field is unset
    return datetime.fromtimestamp(_signed(parts.get(1, 0)), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _message(
    data: bytes,
    what: str,
    scalars: dict[int, tuple[str, str]],
    nested: dict[int, tuple[str, Any, bool]] | None = None,
) -> dict[str, Any]:
    """Decode one message with a table of its fields.

    scalars: {number: (name, "str"|"int"|"bool"|"bytes64")};
    nested: {number: (name, decoder, repeated)}.
    """
    out: dict[str, Any] = {}
    nested = nested or {}
    for number, value in fields(data):
        if number in scalars:
            name, kind = scalars[number]
            out[name] = {
                "str": lambda v: v.decode(),
                "int": _signed,
                "bool": bool,
                "bytes64": lambda v: base64.b64encode(v).decode(),
            }[kind](value)
        elif number in nested:
            name, decode, repeated = nested[number]
            if repeated:
                out.setdefault(name, []).append(value)
            else:
                out[name] = decode(value)
        else:
            raise _unsupported(f"{what} field number {number}")
    for name, decode, repeated in nested.values():
        if repeated and name in out:
            out[name] = decode(out[name])
    # gogo-protobuf writes every optional field; Go's zero values mean "unset" in JSON.
    return {k: v for k, v in out.items() if v not in ("", 0, False, None)}


def _owner_reference(data: bytes) -> dict[str, Any]:
    return _message(
        data,
        "OwnerReference",
        {
            1: ("kind", "str"),
            3: ("name", "str"),
            4: ("uid", "str"),
            5: ("apiVersion", "str"),
            6: ("controller", "bool"),
            7: ("blockOwnerDeletion", "bool"),
        },
    )


def _managed_fields_entry(data: bytes) -> dict[str, Any]:
    return _message(
        data,
        "ManagedFieldsEntry",
        {
            1: ("manager", "str"),
            2: ("operation", "str"),
            3: ("apiVersion", "str"),
            6: ("fieldsType", "str"),
            8: ("subresource", "str"),
        },
        {
            4: ("time", _time, False),
            7: ("fieldsV1", lambda b: json.loads(dict(fields(b)).get(1, b"{}")), False),
        },
    )


def object_meta(data: bytes) -> dict[str, Any]:
    return _message(
        data,
        "ObjectMeta",
        {
            1: ("name", "str"),
            2: ("generateName", "str"),
            3: ("namespace", "str"),
            4: ("selfLink", "str"),
            5: ("uid", "str"),
            6: ("resourceVersion", "str"),
            7: ("generation", "int"),
            10: ("deletionGracePeriodSeconds", "int"),
        },
        {
            8: ("creationTimestamp", _time, False),
            9: ("deletionTimestamp", _time, False),
            11: ("labels", _map, True),
            12: ("annotations", _map, True),
            13: ("ownerReferences", lambda xs: [_owner_reference(x) for x in xs], True),
            14: ("finalizers", lambda xs: [x.decode() for x in xs], True),
            17: ("managedFields", lambda xs: [_managed_fields_entry(x) for x in xs], True),
        },
    )


def _bytes_map(entries: list[bytes]) -> dict[str, str]:
    return _map(entries, lambda b: base64.b64encode(b).decode())


_KINDS: dict[tuple[str, str], Any] = {
    ("v1", "Secret"): lambda b: _message(
        b,
        "Secret",
        {3: ("type", "str"), 5: ("immutable", "bool")},
        {
            1: ("metadata", object_meta, False),
            2: ("data", _bytes_map, True),
            4: ("stringData", _map, True),
        },
    ),
    ("v1", "ConfigMap"): lambda b: _message(
        b,
        "ConfigMap",
        {4: ("immutable", "bool")},
        {
            1: ("metadata", object_meta, False),
            2: ("data", _map, True),
            3: ("binaryData", _bytes_map, True),
        },
    ),
    ("v1", "Namespace"): lambda b: _message(
        b,
        "Namespace",
        {},
        {
            1: ("metadata", object_meta, False),
            2: (
                "spec",
                lambda s: _message(
                    s,
                    "NamespaceSpec",
                    {},
                    {1: ("finalizers", lambda xs: [x.decode() for x in xs], True)},
                ),
                False,
            ),
            3: ("status", lambda s: _message(s, "NamespaceStatus", {1: ("phase", "str")}), False),
        },
    ),
    ("v1", "DeleteOptions"): lambda b: _message(
        b,
        "DeleteOptions",
        {
            1: ("gracePeriodSeconds", "int"),
            3: ("orphanDependents", "bool"),
            4: ("propagationPolicy", "str"),
        },
        {
            2: (
                "preconditions",
                lambda p: _message(
                    p, "Preconditions", {1: ("uid", "str"), 2: ("resourceVersion", "str")}
                ),
                False,
            ),
            5: ("dryRun", lambda xs: [x.decode() for x in xs], True),
        },
    ),
}
_KINDS[("meta.k8s.io/v1", "DeleteOptions")] = _KINDS[("v1", "DeleteOptions")]


def decode(body: bytes) -> dict[str, Any]:
    if not body.startswith(MAGIC):
        raise _unsupported("body without the k8s protobuf magic prefix")
    envelope = dict(fields(body[len(MAGIC) :]))
    type_meta = dict(fields(envelope.get(1, b"")))
    api_version, kind = type_meta.get(1, b"").decode(), type_meta.get(2, b"").decode()
    decoder = _KINDS.get((api_version, kind))
    if decoder is None:
        raise _unsupported(f"objects of kind {kind!r} ({api_version})")
    obj = decoder(envelope.get(2, b""))
    obj["apiVersion"], obj["kind"] = api_version, kind
    if kind == "DeleteOptions":
        obj.pop("apiVersion"), obj.pop("kind")
    return obj
