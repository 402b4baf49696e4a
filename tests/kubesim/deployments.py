"""The Deployment controller (ReplicaSets `<deploy>-<pod-template-hash>`, rolled with
maxSurge/maxUnavailable or Recreate) and the ReplicaSet controller (Pods `<rs>-<random>`)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .cluster_index import PODS, REPLICASETS, is_ready
from .errors import ApiError
from .pods import from_template, owner_reference, template_hash
from .workload_status import (
    active,
    deployment_status,
    replicaset_status,
    surge_and_unavailable,
)

if TYPE_CHECKING:
    from .controllers import Controllers

DEPLOYMENTS = ("apps", "deployments")
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX = "deployment.kubernetes.io/max-replicas"


def _replicas(obj: dict[str, Any]) -> int:
    return (obj.get("spec") or {}).get("replicas", 0)


def _revision(rs: dict[str, Any]) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


class ReplicaSets:
    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def reconcile(self, ns: str, name: str) -> None:
        rs = self.ctx.index.objects[REPLICASETS].get((ns, name))
        if rs is None or rs["metadata"].get("deletionTimestamp") or self.ctx.index.terminating(ns):
            return
        self.ctx.adopt(PODS, rs, lambda pod: True)
        uid = rs["metadata"]["uid"]
        live = active(self.ctx.index.owned(uid, PODS))
        want = _replicas(rs)
        for _ in range(want - len(live)):
            pod = self.ctx.create(PODS, ns, from_template(rs, rs["spec"]["template"]))
            self.ctx.events.record(
                rs,
                "Normal",
                "SuccessfulCreate",
                f"Created pod: {pod['metadata']['name']}",
                component="replicaset-controller",
            )
        if len(live) > want:
            # Unscheduled first, then not ready, then the newest, as the controller ranks them.
            doomed = sorted(
                live,
                key=lambda p: (
                    bool(p["spec"].get("nodeName")),
                    is_ready(p),
                    [-ord(c) for c in p["metadata"].get("creationTimestamp", "")],
                ),
            )[: len(live) - want]
            for pod in doomed:
                self.ctx.delete(PODS, pod)
                self.ctx.events.record(
                    rs,
                    "Normal",
                    "SuccessfulDelete",
                    f"Deleted pod: {pod['metadata']['name']}",
                    component="replicaset-controller",
                )
        current = self.ctx.index.objects[REPLICASETS].get((ns, name))
        if current is not None:
            pods = self.ctx.index.owned(uid, PODS)
            self.ctx.write_status(REPLICASETS, current, replicaset_status(current, pods))


class Deployments:
    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def reconcile(self, ns: str, name: str) -> None:
        deployment = self.ctx.api.store.peek(DEPLOYMENTS, ns, name)
        if deployment is None or deployment["metadata"].get("deletionTimestamp"):
            return
        if self.ctx.index.terminating(ns):
            return
        pod_hash = template_hash(
            deployment["spec"]["template"],
            (deployment.get("status") or {}).get("collisionCount", 0),
        )
        self.ctx.adopt(REPLICASETS, deployment, lambda rs: True)
        all_rs = self.ctx.index.owned(deployment["metadata"]["uid"], REPLICASETS)
        new_rs = next(
            (
                rs
                for rs in all_rs
                if (rs["metadata"].get("labels") or {}).get(HASH_LABEL) == pod_hash
            ),
            None,
        )
        if not deployment["spec"].get("paused"):
            new_rs = self._rollout(deployment, pod_hash, new_rs, all_rs)
            self._annotate_revision(deployment, new_rs)
        deployment = self.ctx.api.store.peek(DEPLOYMENTS, ns, name)
        if deployment is None:
            return
        all_rs = self.ctx.index.owned(deployment["metadata"]["uid"], REPLICASETS)
        new_rs = next(
            (
                rs
                for rs in all_rs
                if new_rs is not None and rs["metadata"]["uid"] == new_rs["metadata"]["uid"]
            ),
            None,
        )
        self.ctx.write_status(
            DEPLOYMENTS, deployment, deployment_status(deployment, new_rs, all_rs)
        )

    # ---- rollout ------------------------------------------------------------------------
    def _rollout(
        self,
        deployment: dict[str, Any],
        pod_hash: str,
        new_rs: dict[str, Any] | None,
        all_rs: list[dict[str, Any]],
    ) -> dict[str, Any] | None:
        replicas = _replicas(deployment)
        old = [rs for rs in all_rs if new_rs is None or rs is not new_rs]
        surge, max_unavailable = surge_and_unavailable(deployment)
        if (deployment["spec"].get("strategy") or {}).get("type") == "Recreate":
            for rs in old:
                self._scale(deployment, rs, 0, surge)
            if any(active(self.ctx.index.owned(rs["metadata"]["uid"], PODS)) for rs in old):
                return new_rs
            target = replicas
        elif not any(_replicas(rs) for rs in old):
            target = replicas
        else:
            total = sum(_replicas(rs) for rs in all_rs)
            current = _replicas(new_rs) if new_rs else 0
            room = replicas + surge - total
            target = current + max(0, min(room, replicas - current)) if room > 0 else current
        if new_rs is None:
            new_rs = self._create_rs(deployment, pod_hash, target, all_rs, surge)
            if new_rs is None:
                return None
        else:
            new_rs = self._scale(
                deployment, new_rs, target, surge, revision=max(_revision(rs) for rs in all_rs)
            )
        self._scale_down_old(deployment, new_rs, old, max_unavailable, surge)
        return new_rs

    def _scale_down_old(
        self,
        deployment: dict[str, Any],
        new_rs: dict[str, Any],
        old: list[dict[str, Any]],
        max_unavailable: int,
        surge: int,
    ) -> None:
        old = [rs for rs in old if _replicas(rs)]
        if not old:
            return
        replicas = _replicas(deployment)
        min_available = replicas - max_unavailable
        new_unavailable = _replicas(new_rs) - (new_rs.get("status") or {}).get(
            "availableReplicas", 0
        )
        every = [new_rs, *old]
        budget = sum(_replicas(rs) for rs in every) - min_available - new_unavailable
        if budget <= 0:
            return
        # Old pods that are not available go first, then available ones down to the minimum.
        for rs in old:
            unhealthy = _replicas(rs) - (rs.get("status") or {}).get("availableReplicas", 0)
            cut = min(budget, max(unhealthy, 0))
            if cut:
                self._scale(deployment, rs, _replicas(rs) - cut, surge)
                budget -= cut
        available = sum((rs.get("status") or {}).get("availableReplicas", 0) for rs in every)
        budget = available - min_available
        for rs in old:
            rs = (
                self.ctx.index.objects[REPLICASETS].get(
                    (rs["metadata"]["namespace"], rs["metadata"]["name"])
                )
                or rs
            )
            if budget <= 0:
                break
            cut = min(_replicas(rs), budget)
            if cut:
                self._scale(deployment, rs, _replicas(rs) - cut, surge)
                budget -= cut

    def _create_rs(
        self,
        deployment: dict[str, Any],
        pod_hash: str,
        replicas: int,
        all_rs: list[dict[str, Any]],
        surge: int,
    ) -> dict[str, Any] | None:
        meta = deployment["metadata"]
        template = copy.deepcopy(deployment["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
        selector = copy.deepcopy(deployment["spec"]["selector"])
        selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
        revision = max((_revision(rs) for rs in all_rs), default=0) + 1
        want = _replicas(deployment)
        body = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{meta['name']}-{pod_hash}",
                "namespace": meta["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "annotations": {
                    REVISION: str(revision),
                    DESIRED: str(want),
                    MAX: str(want + surge),
                },
                "ownerReferences": [owner_reference(deployment)],
            },
            "spec": {
                "replicas": replicas,
                "minReadySeconds": deployment["spec"].get("minReadySeconds", 0),
                "selector": selector,
                "template": template,
            },
        }
        try:
            rs = self.ctx.create(REPLICASETS, meta["namespace"], body)
        except ApiError as exc:
            if exc.reason != "AlreadyExists":
                raise
            # A ReplicaSet of that name that is not ours: count a collision, which changes
            # the hash and so the name (the status write wakes the next reconcile).
            status = dict(deployment.get("status") or {})
            status["collisionCount"] = status.get("collisionCount", 0) + 1
            self.ctx.write_status(DEPLOYMENTS, deployment, status)
            return None
        self._scaled_event(deployment, rs, 0, replicas)
        return rs

    def _scale(
        self,
        deployment: dict[str, Any],
        rs: dict[str, Any],
        replicas: int,
        surge: int,
        revision: int | None = None,
    ) -> dict[str, Any]:
        """Scale a ReplicaSet; the new one also takes the next revision when it had an older
        one (a rollback to an earlier template)."""
        want = _replicas(deployment)
        annotations = dict(rs["metadata"].get("annotations") or {})
        annotations.update({DESIRED: str(want), MAX: str(want + surge)})
        if revision is not None and _revision(rs) < revision:
            annotations[REVISION] = str(revision + 1)
        if _replicas(rs) == replicas and annotations == (rs["metadata"].get("annotations") or {}):
            return rs
        new = {
            **rs,
            "spec": {**rs["spec"], "replicas": replicas},
            "metadata": {**rs["metadata"], "annotations": annotations},
        }
        updated = self.ctx.update(REPLICASETS, new)
        if _replicas(rs) != replicas:
            self._scaled_event(deployment, updated, _replicas(rs), replicas)
        return updated

    def _scaled_event(
        self, deployment: dict[str, Any], rs: dict[str, Any], before: int, after: int
    ) -> None:
        if before == after:
            return
        direction = "up" if after > before else "down"
        self.ctx.events.record(
            deployment,
            "Normal",
            "ScalingReplicaSet",
            f"Scaled {direction} replica set {rs['metadata']['name']} from {before} to {after}",
            component="deployment-controller",
        )

    def _annotate_revision(self, deployment: dict[str, Any], new_rs: dict[str, Any] | None) -> None:
        if new_rs is None:
            return
        revision = str(_revision(new_rs))
        if (deployment["metadata"].get("annotations") or {}).get(REVISION) == revision:
            return
        meta = deployment["metadata"]
        annotations = {**(meta.get("annotations") or {}), REVISION: revision}
        self.ctx.update(
            DEPLOYMENTS, {**deployment, "metadata": {**meta, "annotations": annotations}}
        )
