"""PATCH requests: JSON merge, JSON patch, strategic merge, and server-side apply (which may
create the object). The patched object then goes through the same write path as an update.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from . import managed
from .api import APPLY, JSON_PATCH, MERGE, STRATEGIC, Api
from .errors import STALE, bad_request, conflict, invalid, not_found, unsupported_media_type
from .patching import json_patch, merge_patch, strategic_merge_patch
from .resources import ResourceType

# libyaml's parser when PyYAML has it: the same documents as yaml.safe_load, several times
# faster on the apply bodies helm sends (the simulator's busiest parse).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def patch(
    api: Api,
    rtype: ResourceType,
    ns: str,
    name: str,
    content_type: str,
    raw: bytes,
    *,
    manager: str | None,
    force: bool = False,
    subresource: str = "",
    dry_run: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Returns (object, created): only apply patches create."""
    content_type = content_type.split(";")[0].strip()
    if content_type == APPLY:
        return _apply(
            api,
            rtype,
            ns,
            name,
            raw,
            manager=manager,
            force=force,
            subresource=subresource,
            dry_run=dry_run,
        )
    body = _parse_json(raw)
    with api.store.lock:
        old = api._current(rtype, ns, name)
        current = api.present(rtype, copy.deepcopy(old))
        if content_type == MERGE:
            patched = merge_patch(current, body)
        elif content_type == JSON_PATCH:
            patched = json_patch(current, body)
        elif content_type == STRATEGIC:
            if rtype.is_custom:
                raise unsupported_media_type(content_type, f"{MERGE}, {JSON_PATCH}, {APPLY}")
            patched = strategic_merge_patch(current, body)
        else:
            raise unsupported_media_type(
                content_type, f"{MERGE}, {JSON_PATCH}, {STRATEGIC}, {APPLY}"
            )
        if not isinstance(patched, dict):
            raise bad_request("the patch result is not a JSON object")
        sent_rv = (patched.get("metadata") or {}).get("resourceVersion")
        if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
            raise conflict(rtype.plural, rtype.group, name, STALE)
        new = api._merge_write(rtype, old, patched, subresource)
        obj = api._commit(
            rtype,
            old,
            new,
            manager=manager or "unknown",
            subresource=subresource,
            dry_run=dry_run,
        )
        return obj, False


def _apply(
    api: Api,
    rtype: ResourceType,
    ns: str,
    name: str,
    raw: bytes,
    *,
    manager: str | None,
    force: bool,
    subresource: str,
    dry_run: bool,
) -> tuple[dict[str, Any], bool]:
    if not manager:
        raise invalid(
            "PatchOptions",
            "meta.k8s.io",
            "",
            [
                {
                    "reason": "FieldValueRequired",
                    "field": "fieldManager",
                    "message": "Required value: is required for apply patch",
                }
            ],
        )
    try:
        config = yaml.load(raw.decode() or "{}", Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise bad_request(f"error decoding YAML: {exc}") from None
    if not isinstance(config, dict):
        raise bad_request("apply patch must be a YAML or JSON object")
    api._check_identity(rtype, config, required=True)
    meta = config.setdefault("metadata", {})
    if meta.get("name", name) != name:
        raise bad_request(
            f"the name of the object ({meta.get('name')}) does not match "
            f"the name on the URL ({name})"
        )
    if rtype.namespaced and meta.get("namespace", ns) != ns:
        raise bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    section = api._section(rtype, subresource)
    with api.store.lock:
        old = api.store.peek(rtype.store_key, ns, name)
        if old is None and subresource:
            raise not_found(rtype.plural, rtype.group, name)
        if old is not None and meta.get("resourceVersion") not in (
            None,
            old["metadata"]["resourceVersion"],
        ):
            raise conflict(rtype.plural, rtype.group, name, STALE)
        live = api.present(rtype, copy.deepcopy(old)) if old else None
        merged = managed.apply(
            live,
            config,
            manager=manager,
            force=force,
            resolve=api.resolver(rtype),
            api_version=rtype.api_version,
            section=section,
            subresource=subresource,
        )
        merged.setdefault("metadata", {})["name"] = name
        if old is None:
            return api.create(rtype, ns, merged, manager=manager, dry_run=dry_run), True
        merged["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        new = api._merge_write(rtype, old, merged, subresource)
        return api._commit(
            rtype, old, new, manager=None, subresource=subresource, dry_run=dry_run
        ), False


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode() or "null")
    except ValueError as exc:
        raise bad_request(f"error decoding patch: {exc}") from None
