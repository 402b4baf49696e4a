"""Deleting a control plane: releases go in reverse dependency order; data stays unless asked.

With `deletionPolicy: Retain` (the default) the PersistentVolumeClaims of the releases
(MariaDB's and RabbitMQ's volumes, Glance's images) and the credentials Secret survive, so
re-creating the control plane finds its data and its passwords again, and releases are
uninstalled without their hooks: OpenStack-Helm's pre-delete hooks delete data (keystone's
credential cleanup empties the credential table, glance's and cinder's clean Jobs remove
what the service stored, the db-drop Jobs drop databases). `Delete` removes the volumes and
the credentials, and lets the charts run their cleanup hooks.

Either way no hook Job is left behind: Helm keeps the Jobs of `before-hook-creation` hooks
(every db-init, db-sync, ks-* Job) after an uninstall; they hold no data and are deleted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from osprey import catalog
from osprey.autoscaling import CONTROL_PLANE_LABEL
from osprey.kube import resource
from osprey.releases import DeployedRelease
from osprey.secrets import delete_credentials

if TYPE_CHECKING:
    from osprey.runtime import Runtime

log = logging.getLogger(__name__)
PVC = resource("PersistentVolumeClaim")


def uninstall_order(deployed: Iterable[str]) -> list[str]:
    """Managed releases present in the cluster, dependents before their dependencies."""
    present = set(deployed)
    return [e.name for e in reversed(catalog.CATALOG) if e.name in present]


def claim_names_of(release: DeployedRelease, existing: Iterable[str]) -> set[str]:
    """PVCs that belong to a release: those in its manifest, and those its StatefulSets'
    volumeClaimTemplates created (named <template>-<statefulset>-<ordinal>)."""
    names = {
        o["metadata"]["name"] for o in release.objects if o.get("kind") == "PersistentVolumeClaim"
    }
    patterns = [
        re.compile(rf"^{re.escape(tpl['metadata']['name'])}-{re.escape(sts['metadata']['name'])}-\d+$")
        for sts in release.objects
        if sts.get("kind") == "StatefulSet"
        for tpl in (sts.get("spec") or {}).get("volumeClaimTemplates") or ()
    ]
    names |= {n for n in existing if any(p.match(n) for p in patterns)}
    return names


def hook_jobs(release: DeployedRelease) -> list[str]:
    """Names of the Jobs a release runs as Helm hooks."""
    return sorted({o["metadata"]["name"] for o in release.hooks if o.get("kind") == "Job"})


async def uninstall(runtime: Runtime, release: DeployedRelease, *, hooks: bool) -> None:
    """`helm uninstall` (with the chart's delete hooks only when `hooks`), then the hook Jobs
    Helm leaves behind."""
    await runtime.helm.uninstall(release.namespace, release.name, hooks=hooks)
    job = resource("Job")
    for name in hook_jobs(release):
        await runtime.kube.delete(job, release.namespace, name)
    log.info("uninstalled %s/%s (%s its delete hooks)", release.namespace, release.name,
             "with" if hooks else "without")


async def teardown(
    runtime: Runtime,
    namespace: str,
    name: str,
    spec: Mapping[str, Any],
    deployed: Mapping[str, DeployedRelease],
    body: Mapping[str, Any],
) -> None:
    delete_data = spec.get("deletionPolicy") == "Delete"
    claims: set[str] = set()
    if delete_data:
        existing = [c["metadata"]["name"] for c in await runtime.kube.list(PVC, namespace)]
        for release in deployed.values():
            claims |= claim_names_of(release, existing)
    # The HPAs are Osprey's own objects, not any release's: they go whatever the policy.
    hpa = resource("HorizontalPodAutoscaler")
    for obj in await runtime.kube.list(hpa, namespace, labels=f"{CONTROL_PLANE_LABEL}={name}"):
        await runtime.kube.delete(hpa, namespace, obj["metadata"]["name"])
    for release in uninstall_order(deployed):
        async with runtime.helm_slots:
            await uninstall(runtime, deployed[release], hooks=delete_data)
        runtime.events(body, "Normal", "Uninstalled", f"{release}: uninstalled (control plane deleted)")
    if delete_data:
        for claim in sorted(claims):
            await runtime.kube.delete(PVC, namespace, claim)
        await delete_credentials(runtime.kube, namespace, name)
        log.info("deleted %d volume claims and the credentials of %s/%s", len(claims),
                 namespace, name)
    runtime.forget(namespace, name)
