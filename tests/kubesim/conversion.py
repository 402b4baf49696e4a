"""What a read answers with, from its Accept header: the objects themselves, a Table, or their
metadata only (`as=PartialObjectMetadata` for one object or a watch,
`as=PartialObjectMetadataList` for a list), as kube-apiserver's handlers/response.go does.

Client-go's metadata client and informers (and kubectl) ask for metadata only to read many
large objects without their bodies: a Secret's data never leaves the server.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .resources import ResourceType

META_GROUP = "meta.k8s.io"
META_VERSIONS = ("v1", "v1beta1")
CONVERSIONS = ("Table", "PartialObjectMetadata", "PartialObjectMetadataList")
PLAIN = ("application/json", "*/*", "application/*")


def not_acceptable(message: str) -> ApiError:
    return ApiError(406, "NotAcceptable", message)


def negotiate(accept: str) -> tuple[str, str] | None:
    """(kind, meta.k8s.io version) of the first acceptable conversion in the Accept header, or
    None when the first acceptable media type is the plain object. Media types kubesim cannot
    serve (protobuf, unknown conversions) are skipped, as kube-apiserver skips what it cannot
    serve; none acceptable is 406."""
    if not accept.strip():
        return None
    for part in accept.split(","):
        media, *raw = (p.strip() for p in part.split(";"))
        if media not in PLAIN:
            continue
        params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in raw)}
        target = params.get("as")
        if target is None:
            return None
        if (target in CONVERSIONS and params.get("g") == META_GROUP
                and params.get("v") in META_VERSIONS):
            return target, params["v"]
    raise not_acceptable(
        "only the following media types are accepted: application/json, "
        f"application/json;as=Table|PartialObjectMetadata|PartialObjectMetadataList;"
        f"g=meta.k8s.io;v=v1 (kubesim serves JSON only); the request accepts only {accept!r}"
    )


def _go_type(rtype: ResourceType, suffix: str = "") -> str:
    if rtype.is_custom:
        return f"*unstructured.Unstructured{suffix}"
    return f"*{rtype.group.split('.')[0] if rtype.group else 'core'}.{rtype.kind}{suffix}"


def partial(obj: dict[str, Any], version: str) -> dict[str, Any]:
    """One object as PartialObjectMetadata: its whole metadata, nothing else."""
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": f"{META_GROUP}/{version}",
        "metadata": obj.get("metadata") or {},
    }


def partial_object(rtype: ResourceType, obj: dict[str, Any], kind: str, version: str
                   ) -> dict[str, Any]:
    """A GET of one object as metadata; asking for a list of it is 406, as kube answers."""
    if kind == "PartialObjectMetadataList":
        raise not_acceptable("you requested PartialObjectMetadataList, but the requested "
                             f"object is not a list ({_go_type(rtype)})")
    return partial(obj, version)


def partial_list(rtype: ResourceType, items: list[dict[str, Any]], meta: dict[str, Any],
                 kind: str, version: str) -> dict[str, Any]:
    """A list as PartialObjectMetadataList (list metadata kept: resourceVersion, continue,
    remainingItemCount); asking for one PartialObjectMetadata of a list is 406."""
    if kind == "PartialObjectMetadata":
        raise not_acceptable("you requested PartialObjectMetadata, but the requested object "
                             f"is a list ({_go_type(rtype, 'List')})")
    return {
        "kind": "PartialObjectMetadataList",
        "apiVersion": f"{META_GROUP}/{version}",
        "metadata": meta,
        "items": [partial(o, version) for o in items],
    }
