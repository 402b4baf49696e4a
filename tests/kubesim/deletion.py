"""Deletion as the apiserver does it: preconditions, propagation policy, finalizers,
deletionTimestamp, and immediate removal when nothing holds the object.
"""

from __future__ import annotations

import copy
from typing import Any

from .api import REQUEST, Api
from .errors import bad_request, conflict
from .resources import ResourceType
from .timeutil import now_rfc3339

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


def propagation(options: dict[str, Any], query_policy: str | None) -> str:
    policy = query_policy or options.get("propagationPolicy")
    if policy is None and options.get("orphanDependents") is not None:
        policy = "Orphan" if options["orphanDependents"] else "Background"
    policy = policy or "Background"
    if policy not in ("Background", "Foreground", "Orphan"):
        raise bad_request(
            f'propagationPolicy: Unsupported value: "{policy}": supported values: '
            '"Foreground", "Background", "Orphan"'
        )
    return policy


JOB_DELETE_WARNING = (
    "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background "
    "to remove them or set propagationPolicy=Orphan to suppress this warning"
)


def request_policy(rtype: ResourceType, options: dict[str, Any], query: Any) -> str:
    """The propagation policy of a delete; batch/v1 Jobs orphan their pods unless told
    otherwise, with kube-apiserver's warning."""
    policy = propagation(options, query.get("propagationPolicy"))
    if query.get("orphanDependents") is not None and not query.get("propagationPolicy"):
        policy = "Orphan" if query["orphanDependents"] == "true" else "Background"
    explicit = any(
        source.get(field) is not None
        for source in (options, query)
        for field in ("propagationPolicy", "orphanDependents")
    )
    if (rtype.group, rtype.version, rtype.plural) == ("batch", "v1", "jobs") and not explicit:
        request = REQUEST.get()
        if request is not None:
            request.warnings.append(JOB_DELETE_WARNING)
        return "Orphan"
    return policy


def delete(
    api: Api,
    rtype: ResourceType,
    ns: str,
    name: str,
    options: dict[str, Any],
    *,
    policy: str,
    dry_run: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Returns (object, removed): removed is False while finalizers hold the object."""
    with api.store.lock:
        obj = api._current(rtype, ns, name)
        meta = obj["metadata"]
        pre = options.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != meta["uid"]:
            raise conflict(
                rtype.plural,
                rtype.group,
                name,
                f"Precondition failed: UID in precondition: {pre['uid']}, "
                f"UID in object meta: {meta['uid']}",
            )
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta["resourceVersion"]:
            raise conflict(
                rtype.plural,
                rtype.group,
                name,
                f"Precondition failed: ResourceVersion in precondition: "
                f"{pre['resourceVersion']}, ResourceVersion in object meta: "
                f"{meta['resourceVersion']}",
            )
        if dry_run:
            return api.present(rtype, copy.deepcopy(obj)), False
        finalizers = list(meta.get("finalizers") or [])
        if policy == "Foreground" and FOREGROUND not in finalizers:
            finalizers.append(FOREGROUND)
        if policy == "Orphan" and ORPHAN not in finalizers:
            finalizers.append(ORPHAN)
        is_namespace = (rtype.group, rtype.plural) == ("", "namespaces")
        if not finalizers and not is_namespace:
            return api.present(rtype, api.store.remove(rtype.store_key, ns, name)), True
        if meta.get("deletionTimestamp") and finalizers == (meta.get("finalizers") or []):
            return api.present(rtype, copy.deepcopy(obj)), False
        new = copy.deepcopy(obj)
        meta = new["metadata"]
        new["metadata"]["finalizers"] = finalizers
        if not finalizers:
            new["metadata"].pop("finalizers")
        if not meta.get("deletionTimestamp"):
            meta["deletionTimestamp"] = now_rfc3339()
            meta["deletionGracePeriodSeconds"] = 0
            if "generation" in meta:
                meta["generation"] += 1
        if is_namespace:
            new.setdefault("status", {})["phase"] = "Terminating"
        stored = api.store.put(rtype.store_key, new)
        return api.present(rtype, stored), False


def finish_namespace(api: Api, name: str) -> bool:
    """Remove a terminating namespace once empty and unfinalized; True when it is gone."""
    ns_type = api.registry.get("", "v1", "namespaces")
    assert ns_type is not None
    with api.store.lock:
        obj = api.store.get(ns_type.store_key, "", name)
        if obj is None:
            return True
        if (obj.get("spec") or {}).get("finalizers") or obj["metadata"].get("finalizers"):
            return False
        api.store.remove(ns_type.store_key, "", name)
        return True


def success_status(rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {
            "name": obj["metadata"]["name"],
            "group": rtype.group,
            "kind": rtype.plural,
            "uid": obj["metadata"]["uid"],
        },
    }
