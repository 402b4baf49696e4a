"""What one control plane may touch: the namespace it holds, its credentials and its releases.

The rules are pure (osprey.ownership, osprey.recovery); this is where they meet the cluster:
listing the namespace's control planes, writing the credentials Secret, labelling releases an
earlier Osprey installed, and posting the Events that say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from osprey import catalog
from osprey.api import SpecError, validate_spec
from osprey.api.conditions import rfc3339
from osprey.api.spec import ControlPlaneSpec
from osprey.api.status import NodePoolSizes
from osprey.api.validation import generation_key
from osprey.kube import resource
from osprey.nodepools import Overlap, PlaneNodes, overlap, pool_nodes
from osprey.observe import Live
from osprey.ownership import (
    ControlPlaneRef,
    adoptable,
    namespace_holder,
    not_ours,
    owner_value,
    split,
)
from osprey.plan import Plan, PlanError, plan
from osprey.recovery import Recovery, credential_paths, recover
from osprey.releases import HELM_STORAGE_SELECTOR, OWNER_LABEL, DeployedRelease
from osprey.secrets import ensure_credentials, read_credentials, secret_name

if TYPE_CHECKING:
    from osprey.runtime import Runtime

CONTROL_PLANE = resource("OpenStackControlPlane")
NODE = resource("Node")
SECRET = resource("Secret")


def now_rfc3339() -> str:
    return rfc3339(datetime.now(UTC))


class CredentialsLost(Exception):
    """Credentials the Secret lacks are held by a release in a form that cannot be taken
    back; generating them again would lock the control plane out."""


@dataclass(frozen=True)
class Releases:
    """The namespace's releases as one control plane sees them."""

    ours: dict[str, DeployedRelease]
    foreign: dict[str, str]  # release -> why it is left alone


class Custody:
    """One control plane's claim on its namespace, credentials and releases."""

    def __init__(self, runtime: Runtime, namespace: str, name: str):
        self.runtime = runtime
        self.namespace = namespace
        self.name = name
        self._eldest = False  # no older control plane in the namespace (it stays so)

    async def holder(
        self, body: Mapping[str, Any], deployed: Mapping[str, DeployedRelease]
    ) -> str | None:
        """Another control plane the namespace belongs to, if any. The namespace's control
        planes are listed until this one has been seen to be the oldest."""
        me = ControlPlaneRef.of(body)
        siblings = [me]
        if not self._eldest:
            items = await self.runtime.kube.list(CONTROL_PLANE, self.namespace)
            siblings = [ControlPlaneRef.of(item) for item in items] or [me]
            self._eldest = all((s.created, s.name) >= (me.created, me.name) for s in siblings)
        owners = {d.owner for d in deployed.values() if d.owner}
        return namespace_holder(me, siblings, owners)

    async def node_pools(
        self, body: Mapping[str, Any], spec: ControlPlaneSpec
    ) -> tuple[Overlap | None, NodePoolSizes]:
        """The size of each of this control plane's pools, and the older control plane that
        holds some of its agent nodes, if any. Every control plane of the cluster counts but
        those being deleted: their agents are on their way out, and one whose operator is
        gone (a finalizer never run) must not hold its nodes forever."""
        kube = self.runtime.kube
        nodes, epoch = self.runtime.nodes, self.runtime.nodes_epoch
        if nodes is None:
            self.runtime.nodes_listed({n["metadata"]["name"]: n["metadata"].get("labels") or {}
                                       for n in await kube.list(NODE, None)})
            nodes, epoch = self.runtime.nodes or {}, self.runtime.nodes_epoch
        cache = self.runtime.watch_cache
        every = cache.every_control_plane() if cache is not None else None
        planes = []
        for item in every if every is not None else await kube.list(CONTROL_PLANE, None):
            meta = item["metadata"]
            if meta.get("deletionTimestamp"):
                continue
            try:
                other = self.runtime.specs.of(item, name=meta["name"])
            except SpecError:  # an invalid spec installs nothing, so it holds no node
                continue
            held = self.runtime.agent_nodes.of(generation_key(item), other, nodes, epoch)
            planes.append(PlaneNodes(meta.get("namespace", ""), meta["name"],
                                     meta.get("creationTimestamp") or "", held))
        me = PlaneNodes(self.namespace, self.name, body["metadata"].get("creationTimestamp") or "",
                        self.runtime.agent_nodes.of(generation_key(body), spec, nodes, epoch))
        sizes = NodePoolSizes(**{pool: len(held) for pool, held in pool_nodes(spec, nodes).items()})
        return overlap(me, planes), sizes

    async def credentials(
        self,
        body: Mapping[str, Any],
        spec: ControlPlaneSpec,
        live: Live,
        deployed: Mapping[str, DeployedRelease],
    ) -> tuple[dict[str, str], str]:
        """(every credential the spec needs, when the Secret was created (RFC 3339)).

        The Secret is read from the pass's observation: no request when it is complete. When
        it lacks keys there, it is read again from the API server (the watch cache may not
        hold our own last write yet). A key it still lacks that a release of this control
        plane holds is taken back from that release; only keys no release of ours holds are
        generated.
        """
        keys = catalog.credential_keys(spec)
        name = secret_name(self.name)
        secret = live.get(("Secret", name))
        stored = read_credentials(secret)
        if any(k not in (stored or {}) for k in keys):
            secret = await self.runtime.kube.get(resource("Secret"), self.namespace, name)
            stored = read_credentials(secret)
        since = secret["metadata"].get("creationTimestamp", "") if secret else now_rfc3339()
        missing = [k for k in keys if k not in (stored or {})]
        if not missing:
            return stored, since
        ours = split(deployed, self.name)[0]
        recovery = (recover(missing, credential_paths(spec, self.namespace), ours)
                    if ours else Recovery())
        if recovery.lost:
            raise CredentialsLost(
                f"the credentials Secret {name} lacks {', '.join(sorted(recovery.lost))} and "
                f"they cannot be recovered ({'; '.join(recovery.lost.values())}); restore the "
                "Secret from a backup: generating them again would lock the control plane out")
        credentials = await ensure_credentials(self.runtime.kube, self.namespace, self.name,
                                               keys, recovered=recovery.found)
        if recovery.found:
            sources = ", ".join(sorted(set(recovery.sources.values())))
            self.runtime.events(body, "Warning", "CredentialsRecovered", (
                f"{name} lacked {len(recovery.found)} credentials; taken back from the values "
                f"of releases {sources}, none generated again"))
        return credentials, since

    async def releases(
        self,
        body: Mapping[str, Any],
        spec: ControlPlaneSpec,
        desired: Plan,
        deployed: Mapping[str, DeployedRelease],
        credentials: Mapping[str, str],
        credentials_since: str,
    ) -> Releases:
        """Ours and the others, adopting (labelling) planned releases an earlier Osprey
        installed for this control plane (see osprey.ownership)."""
        ours, unlabelled, others = split(deployed, self.name)
        candidates = {n: r for n, r in unlabelled.items() if n in desired}
        adopted: list[str] = []
        if candidates:
            paths = credential_paths(spec, self.namespace)
            planned = {r.name: r.hash for r in desired.releases}
            adopted = adoptable(candidates, paths, credentials, credentials_since, planned)
            await self._adopt(body, adopted)
        ours.update({n: unlabelled[n] for n in adopted})
        foreign = {n: not_ours(n, None, self.name) for n in unlabelled if n not in adopted}
        foreign.update({n: not_ours(n, owner, self.name) for n, owner in others.items()})
        return Releases(ours, foreign)

    async def releases_to_remove(
        self, body: Mapping[str, Any], deployed: Mapping[str, DeployedRelease], live: Live
    ) -> dict[str, DeployedRelease]:
        """What deleting this control plane uninstalls: its own releases, including those an
        earlier Osprey installed for it that no pass labelled yet; nobody else's."""
        ours, unlabelled, _ = split(deployed, self.name)
        if not unlabelled or await self.holder(body, deployed) is not None:
            return ours
        secret = live.get(("Secret", secret_name(self.name)))
        try:
            spec = validate_spec(dict(body.get("spec") or {}))
        except SpecError:
            return ours
        if secret is None:
            return ours
        credentials = read_credentials(secret)
        try:
            desired = plan(spec, self.namespace, credentials)
        except (PlanError, KeyError):  # a credential the plan needs is gone: adopt nothing
            return ours
        candidates = {n: r for n, r in unlabelled.items() if n in desired}
        paths = credential_paths(spec, self.namespace)
        since = secret["metadata"].get("creationTimestamp", "")
        planned = {r.name: r.hash for r in desired.releases}
        adopted = adoptable(candidates, paths, credentials, since, planned)
        return ours | {n: candidates[n] for n in adopted}

    async def _adopt(self, body: Mapping[str, Any], names: list[str]) -> None:
        """Label every revision of each release as ours, as `helm --labels` would have."""
        kube, value = self.runtime.kube, owner_value(self.name)
        for name in names:
            for secret in await kube.list_metadata(SECRET, self.namespace,
                                                   labels=f"{HELM_STORAGE_SELECTOR},name={name}"):
                await kube.merge_patch(SECRET, self.namespace, secret["metadata"]["name"],
                                       {"metadata": {"labels": {OWNER_LABEL: value}}})
            self.runtime.events(body, "Normal", "Adopted", (
                f"{name}: installed by an Osprey without ownership labels; now labelled "
                f"{OWNER_LABEL}={value}"))
