"""The StatefulSet controller: Pods `<sts>-<ordinal>` with their claims, created in order
(OrderedReady: each waits for the previous to be Running and Ready) or all at once
(Parallel), updated from the highest ordinal down (RollingUpdate with partition; OnDelete
leaves Pods alone)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .claims import ensure_claims
from .cluster_index import PODS, is_ready
from .pods import from_template, revision_name
from .workload_status import active, statefulset_status

if TYPE_CHECKING:
    from .controllers import Controllers

STATEFULSETS = ("apps", "statefulsets")
REVISION_LABEL = "controller-revision-hash"


def ordinal_of(sts_name: str, pod: dict[str, Any]) -> int | None:
    name = pod["metadata"]["name"]
    prefix = f"{sts_name}-"
    tail = name[len(prefix) :]
    return int(tail) if name.startswith(prefix) and tail.isdigit() else None


def _revision_of(pod: dict[str, Any]) -> str:
    return (pod["metadata"].get("labels") or {}).get(REVISION_LABEL, "")


class StatefulSets:
    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def reconcile(self, ns: str, name: str) -> None:
        sts = self.ctx.api.store.peek(STATEFULSETS, ns, name)
        if (
            sts is None
            or sts["metadata"].get("deletionTimestamp")
            or self.ctx.index.terminating(ns)
        ):
            return
        self.ctx.adopt(PODS, sts, lambda pod: ordinal_of(name, pod) is not None)
        spec = sts["spec"]
        revision = revision_name(sts)
        current_revision = (sts.get("status") or {}).get("currentRevision") or revision
        start = (spec.get("ordinals") or {}).get("start", 0)
        wanted = range(start, start + spec.get("replicas", 1))
        pods = {ordinal_of(name, p): p for p in self._pods(sts)}
        parallel = spec.get("podManagementPolicy") == "Parallel"
        for ordinal in wanted:
            if ordinal in pods:
                continue
            if not parallel and not all(is_ready(pods[o]) for o in pods if o < ordinal):
                break
            self._create(sts, ordinal, revision)
            if not parallel:
                break
        extra = sorted((o for o in pods if o not in wanted), reverse=True)
        for ordinal in extra[: None if parallel else 1]:
            self._delete(sts, pods[ordinal])
        if not extra:
            self._roll(sts, pods, revision, wanted, parallel)
        current = self.ctx.api.store.peek(STATEFULSETS, ns, name)
        if current is None:
            return
        live = self._pods(current)
        updated = sum(1 for p in active(live) if _revision_of(p) == revision)
        if updated == len(wanted) == len(active(live)):
            current_revision = revision
        self.ctx.write_status(
            STATEFULSETS, current, statefulset_status(current, live, revision, current_revision)
        )

    def _pods(self, sts: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            p
            for p in self.ctx.index.owned(sts["metadata"]["uid"], PODS)
            if ordinal_of(sts["metadata"]["name"], p) is not None
        ]

    def _create(self, sts: dict[str, Any], ordinal: int, revision: str) -> None:
        name = f"{sts['metadata']['name']}-{ordinal}"
        ensure_claims(self.ctx, sts, ordinal)
        pod = from_template(
            sts,
            sts["spec"]["template"],
            name=name,
            labels={
                REVISION_LABEL: revision,
                "statefulset.kubernetes.io/pod-name": name,
                "apps.kubernetes.io/pod-index": str(ordinal),
            },
        )
        pod["spec"]["hostname"] = name
        if sts["spec"].get("serviceName"):
            pod["spec"]["subdomain"] = sts["spec"]["serviceName"]
        volumes = pod["spec"].setdefault("volumes", [])
        for template in sts["spec"].get("volumeClaimTemplates") or []:
            claim = f"{template['metadata']['name']}-{sts['metadata']['name']}-{ordinal}"
            volumes.append(
                {
                    "name": template["metadata"]["name"],
                    "persistentVolumeClaim": {"claimName": claim},
                }
            )
        self.ctx.create(PODS, sts["metadata"]["namespace"], pod)
        self.ctx.events.record(
            sts,
            "Normal",
            "SuccessfulCreate",
            f"create Pod {name} in StatefulSet {sts['metadata']['name']} successful",
            component="statefulset-controller",
        )

    def _delete(self, sts: dict[str, Any], pod: dict[str, Any]) -> None:
        self.ctx.delete(PODS, pod)
        self.ctx.events.record(
            sts,
            "Normal",
            "SuccessfulDelete",
            f"delete Pod {pod['metadata']['name']} in StatefulSet {sts['metadata']['name']} "
            "successful",
            component="statefulset-controller",
        )

    def _roll(
        self,
        sts: dict[str, Any],
        pods: dict[int | None, dict[str, Any]],
        revision: str,
        wanted: range,
        parallel: bool,
    ) -> None:
        """RollingUpdate: replace the highest outdated Pod at or above the partition, once
        every Pod is Running and Ready (Parallel does not wait)."""
        strategy = sts["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0)
        live = {o: p for o, p in pods.items() if o is not None and o in wanted}
        if len(live) < len(wanted):
            return
        if not parallel and not all(is_ready(p) for p in live.values()):
            return
        outdated = sorted(
            (
                o
                for o, p in live.items()
                if o >= wanted.start + partition and _revision_of(p) != revision
            ),
            reverse=True,
        )
        if outdated and not live[outdated[0]]["metadata"].get("deletionTimestamp"):
            self._delete(sts, live[outdated[0]])
