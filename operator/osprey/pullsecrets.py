"""Whether the image pull secrets exist: the `ImagePullSecretsFound` condition.

Every pod template of every release lists the pull secrets (spec.images.pullSecrets, through
the post-renderer), and kubelet pulls with each Secret of type kubernetes.io/dockerconfigjson
(or the older kubernetes.io/dockercfg) it finds: one that is missing or of another type is
skipped, and a pod whose registry needs it sits in ErrImagePull. The condition names the first
such Secret; a Warning Event is posted when the problem is new. Nothing is held back: the
Secret may come later (from the admin or a GitOps tool), and kubelet's next pull retry uses
it. Osprey does not watch these Secrets (they carry no watch label): a pass, at the latest the
periodic resync, notices them. They are read once a pass, only while pull secrets are asked
for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from osprey.api.conditions import get_condition, remove_condition, set_condition
from osprey.api.status import Condition
from osprey.kube import Kube, resource
from osprey.plan import Plan

CONDITION = "ImagePullSecretsFound"
PULL_SECRET_TYPES = ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg")


def wanted_pull_secrets(plan: Plan) -> tuple[str, ...]:
    """Every Secret a release of the plan pulls with, in the order first asked for."""
    return tuple(dict.fromkeys(name for r in plan.releases for name in r.pull_secrets))


async def read_pull_secrets(
    kube: Kube, namespace: str, names: Iterable[str]
) -> dict[str, Mapping[str, Any] | None]:
    """Each named Secret of the namespace, None where there is none."""
    return {name: await kube.get(resource("Secret"), namespace, name) for name in names}


def _problem(name: str, namespace: str, secret: Mapping[str, Any] | None) -> tuple[str, str] | None:
    if secret is None:
        return "PullSecretMissing", (
            f"Secret {name} (spec.images.pullSecrets) does not exist in namespace {namespace}: "
            "pods whose registry needs it fail with ErrImagePull until it is created")
    kind = secret.get("type") or "Opaque"
    if kind not in PULL_SECRET_TYPES:
        return "PullSecretInvalid", (
            f"Secret {name} (spec.images.pullSecrets) is of type {kind}, not "
            f"{PULL_SECRET_TYPES[0]}: kubelet does not pull with it")
    return None


def pull_secrets_condition(
    conditions: list[Condition],
    previous: Iterable[Condition],
    namespace: str,
    secrets: Mapping[str, Mapping[str, Any] | None],
    generation: int,
    now: str,
) -> list[Condition]:
    """`conditions` with ImagePullSecretsFound set from the named Secrets (name -> Secret or
    None), or removed when no pull secret is asked for; its lastTransitionTime is kept from
    the `previous` status while it does not flip."""
    conditions = remove_condition(conditions, CONDITION)
    if not secrets:
        return conditions
    earlier = get_condition(previous, CONDITION)
    if earlier is not None:
        conditions.append(earlier)
    for name, secret in secrets.items():
        problem = _problem(name, namespace, secret)
        if problem is not None:
            return set_condition(conditions, CONDITION, False, *problem, generation, now)
    return set_condition(conditions, CONDITION, True, "PullSecretsFound",
                         f"{len(secrets)} image pull secrets found", generation, now)


def new_warning(
    previous: Iterable[Condition], current: Iterable[Condition]
) -> tuple[str, str] | None:
    """(reason, message) of the Warning Event to post: the condition is False now with a
    message it did not have before; None otherwise (once per distinct problem)."""
    now = get_condition(current, CONDITION)
    if now is None or now.status.value != "False":
        return None
    before = get_condition(previous, CONDITION)
    if before is not None and (before.status, before.message) == (now.status, now.message):
        return None
    return now.reason, now.message
