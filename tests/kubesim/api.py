"""The apiserver's object semantics, independent of HTTP: create, read, update, patch, delete.

Every write goes through `_commit`, which applies what kube-apiserver applies to every write:
optimistic concurrency, status/main-resource separation, admission (CRD schemas), generation,
managedFields, and finishing a deletion once the last finalizer is gone.
"""

from __future__ import annotations

import copy
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from . import builtin_fields, crds, immutability, managed, sizes
from .errors import (
    STALE,
    ApiError,
    already_exists,
    bad_request,
    conflict,
    invalid,
    not_found,
)
from .lists import Resolver, builtin_rule, schema_resolver
from .objects import (
    apply_defaults,
    check_name,
    generate_name,
    normalize_secret,
    prune_nulls,
    validate_builtin,
)
from .resources import Registry, ResourceType
from .store import Store
from .timeutil import now_rfc3339
from .traffic import Traffic

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
NAMESPACES = ResourceType("", "v1", "namespaces", "Namespace", False)


@dataclass
class RequestOptions:
    """Per-request options that reach deep into admission, and the warnings it produces."""

    field_validation: str = "Warn"  # the apiserver's default when the client sends none
    warnings: list[str] = dataclass_field(default_factory=list)


REQUEST: ContextVar[RequestOptions | None] = ContextVar("kubesim_request", default=None)


class Api:
    def __init__(self, store: Store, registry: Registry) -> None:
        self.store = store
        self.registry = registry
        self.traffic = Traffic()

    # ---- helpers -------------------------------------------------------------------------
    @staticmethod
    def resolver(rtype: ResourceType) -> Resolver:
        return schema_resolver(rtype.schema) if rtype.is_custom else builtin_rule

    @staticmethod
    def present(rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """The object as seen through one served version (CRD versions share storage)."""
        obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
        return obj

    def _existing(self, rtype: ResourceType, ns: str, name: str) -> dict[str, Any]:
        """A copy of the stored object, the caller's to change."""
        obj = self.store.get(rtype.store_key, ns, name)
        if obj is None:
            raise not_found(rtype.plural, rtype.group, name)
        return obj

    def _current(self, rtype: ResourceType, ns: str, name: str) -> dict[str, Any]:
        """The stored object itself, to read only (the `old` side of a write)."""
        obj = self.store.peek(rtype.store_key, ns, name)
        if obj is None:
            raise not_found(rtype.plural, rtype.group, name)
        return obj

    def _section(self, rtype: ResourceType, subresource: str) -> str | None:
        if subresource == "status":
            return "status"
        return None if "status" in rtype.subresources else "all"

    # ---- reads ---------------------------------------------------------------------------
    def get(self, rtype: ResourceType, ns: str, name: str) -> dict[str, Any]:
        return self.present(rtype, self._existing(rtype, ns, name))

    def list(self, rtype: ResourceType, ns: str | None) -> tuple[list[dict[str, Any]], int]:
        with self.store.lock:
            items, rv = self.store.items(rtype.store_key, ns), self.store.resource_version
        # Shallow copies: a listing is serialized, never changed.
        return [self.present(rtype, dict(o)) for o in items], rv

    # ---- writes --------------------------------------------------------------------------
    def create(
        self,
        rtype: ResourceType,
        ns: str,
        body: dict[str, Any],
        *,
        manager: str,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("the body of the request must be a JSON object")
        obj = copy.deepcopy(body)
        self._check_identity(rtype, obj)
        meta = obj.setdefault("metadata", {})
        if meta.get("resourceVersion"):
            raise bad_request("resourceVersion should not be set on objects to be created")
        if rtype.namespaced:
            if meta.get("namespace", ns) != ns:
                raise bad_request(
                    "the namespace of the provided object does not match "
                    "the namespace sent on the request"
                )
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise invalid(
                    rtype.kind,
                    rtype.group,
                    "",
                    [
                        {
                            "reason": "FieldValueRequired",
                            "field": "metadata.name",
                            "message": "Required value: name or generateName is required",
                        }
                    ],
                )
            meta["name"] = generate_name(meta["generateName"])
        check_name(rtype, meta["name"])
        with self.store.lock:
            if rtype.namespaced:
                self._check_namespace_open(ns)
            if rtype.is_custom:
                crds.reject_while_terminating(rtype)
            if self.store.peek(rtype.store_key, ns if rtype.namespaced else "", meta["name"]):
                raise already_exists(rtype.plural, rtype.group, meta["name"])
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now_rfc3339()
            for field in ("deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
                meta.pop(field, None)
            if "status" in rtype.subresources:
                obj.pop("status", None)
            return self._commit(rtype, None, obj, manager=manager, dry_run=dry_run)

    def update(
        self,
        rtype: ResourceType,
        ns: str,
        name: str,
        body: dict[str, Any],
        *,
        manager: str,
        subresource: str = "",
        dry_run: bool = False,
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("the body of the request must be a JSON object")
        self._check_identity(rtype, body)
        meta = body.get("metadata") or {}
        if meta.get("name", name) != name:
            raise bad_request(
                f"the name of the object ({meta.get('name')}) does not match the "
                f"name on the URL ({name})"
            )
        with self.store.lock:
            old = self._current(rtype, ns, name)
            sent_rv = meta.get("resourceVersion")
            if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
                raise conflict(rtype.plural, rtype.group, name, STALE)
            if meta.get("uid") and meta["uid"] != old["metadata"]["uid"]:
                raise conflict(
                    rtype.plural,
                    rtype.group,
                    name,
                    f"Precondition failed: UID in precondition: {meta['uid']}, "
                    f"UID in object meta: {old['metadata']['uid']}",
                )
            new = self._merge_write(rtype, old, copy.deepcopy(body), subresource)
            return self._commit(
                rtype, old, new, manager=manager, subresource=subresource, dry_run=dry_run
            )

    def _merge_write(
        self, rtype: ResourceType, old: dict[str, Any], body: dict[str, Any], subresource: str
    ) -> dict[str, Any]:
        """The object to store: status and main resource are written through separate doors."""
        if subresource == "status":
            # Shallow: _commit rebuilds the object (prune_nulls) before anything changes it.
            new = {**old, "metadata": dict(old["metadata"])}
            new["status"] = body.get("status")
            if new["status"] is None:
                new.pop("status")
            if "managedFields" in (body.get("metadata") or {}):
                new["metadata"]["managedFields"] = body["metadata"]["managedFields"]
            return new
        new = body
        meta = new.setdefault("metadata", {})
        for field in (
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "namespace",
            "name",
        ):
            if field in old["metadata"]:
                meta[field] = old["metadata"][field]
            else:
                meta.pop(field, None)
        if "status" in rtype.subresources:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        return new

    def _commit(
        self,
        rtype: ResourceType,
        old: dict[str, Any] | None,
        new: dict[str, Any],
        *,
        manager: str | None,
        subresource: str = "",
        dry_run: bool = False,
    ) -> dict[str, Any]:
        new = self.present(rtype, prune_nulls(rtype, new))
        meta = new["metadata"]
        options = REQUEST.get()
        if options is not None and not rtype.is_custom and options.field_validation != "Ignore":
            crds.report_unknown_fields(
                rtype,
                builtin_fields.unknown_fields(new) or [],
                options.field_validation,
                options.warnings,
            )
        if old is not None:
            added = set(meta.get("finalizers") or []) - set(old["metadata"].get("finalizers") or [])
            if old["metadata"].get("deletionTimestamp") and added:
                raise invalid(
                    rtype.kind,
                    rtype.group,
                    meta["name"],
                    [
                        {
                            "reason": "FieldValueForbidden",
                            "field": "metadata.finalizers",
                            "message": "Forbidden: no new finalizers can be added if the object "
                            "is being deleted",
                        }
                    ],
                )
        if rtype.group == "" and rtype.plural == "secrets":
            normalize_secret(new)
        if subresource != "status":
            _keep_allocated(rtype, old, new)
            apply_defaults(rtype, new, creating=old is None)
            if old is not None:
                immutability.check(rtype, old, new)
        if rtype.is_custom:
            if options is not None:
                crds.check_unknown_fields(rtype, new, options.field_validation, options.warnings)
            new = crds.admit(
                rtype,
                new,
                self.present(rtype, copy.deepcopy(old)) if old else None,
                status_only=subresource == "status",
            )
            meta = new["metadata"]
        else:
            validate_builtin(rtype, new)
        if (rtype.group, rtype.plural) == ("apiextensions.k8s.io", "customresourcedefinitions"):
            if subresource != "status":
                crds.validate_crd(new, old)
            new["status"] = crds.established_status(new, (old or {}).get("status"))
            if old is None:
                meta.setdefault("finalizers", [crds.CLEANUP_FINALIZER])
        if rtype.has_generation or rtype.is_custom:
            meta["generation"] = _next_generation(rtype, old, new)
        if manager is not None:
            managed.record_update(
                old,
                new,
                manager=manager,
                resolve=self.resolver(rtype),
                api_version=rtype.api_version,
                section=self._section(rtype, subresource),
                subresource=subresource,
            )
        if dry_run:
            meta.setdefault(
                "resourceVersion", (old or {}).get("metadata", {}).get("resourceVersion", "")
            )
            return new
        if rtype.is_custom:
            sizes.check_stored_size(new)
        if (
            meta.get("deletionTimestamp")
            and not meta.get("finalizers")
            and rtype.plural != "namespaces"
        ):
            self.store.put(rtype.store_key, new)
            return self.present(
                rtype, self.store.remove(rtype.store_key, meta.get("namespace", ""), meta["name"])
            )
        stored = self.store.put(rtype.store_key, new)
        if (rtype.group, rtype.plural) == ("apiextensions.k8s.io", "customresourcedefinitions"):
            crds.register(self.registry, stored)
        return self.present(rtype, stored)

    def _check_identity(
        self, rtype: ResourceType, body: dict[str, Any], required: bool = False
    ) -> None:
        api_version, kind = body.get("apiVersion"), body.get("kind")
        if required and (not api_version or not kind):
            raise bad_request("apply patches must set apiVersion and kind")
        if api_version and api_version != rtype.api_version:
            raise bad_request(
                f"the API version in the data ({api_version}) does not match the "
                f"expected API version ({rtype.api_version})"
            )
        if kind and kind != rtype.kind:
            raise bad_request(
                f"the kind in the data ({kind}) does not match the expected kind ({rtype.kind})"
            )

    def _check_namespace_open(self, ns: str) -> None:
        namespace = self.store.peek(NAMESPACES.store_key, "", ns)
        if namespace is None:
            raise not_found("namespaces", "", ns)
        if namespace["metadata"].get("deletionTimestamp"):
            raise ApiError(
                403,
                "Forbidden",
                f"unable to create new content in namespace {ns} because it is being terminated",
                {
                    "name": ns,
                    "kind": "namespaces",
                    "causes": [
                        {
                            "reason": "NamespaceTerminating",
                            "message": f"namespace {ns} is being terminated",
                            "field": "metadata.namespace",
                        }
                    ],
                },
            )


def _next_generation(rtype: ResourceType, old: dict[str, Any] | None, new: dict[str, Any]) -> int:
    if old is None:
        return 1
    generation = old["metadata"].get("generation", 1)
    skip = {"metadata", "apiVersion", "kind"}
    if "status" in rtype.subresources:
        skip.add("status")
    before = {k: v for k, v in old.items() if k not in skip}
    after = {k: v for k, v in new.items() if k not in skip}
    became_deleted = bool(new["metadata"].get("deletionTimestamp")) and not old["metadata"].get(
        "deletionTimestamp"
    )
    return generation + 1 if before != after or became_deleted else generation


def _keep_allocated(rtype: ResourceType, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Allocated values (a Service's cluster IP) survive updates that do not mention them."""
    if old is None or (rtype.group, rtype.plural) != ("", "services"):
        return
    spec, old_spec = new.setdefault("spec", {}), old.get("spec") or {}
    for field in ("clusterIP", "clusterIPs"):
        if field in old_spec and not spec.get(field):
            spec[field] = old_spec[field]
