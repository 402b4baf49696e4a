"""Status of a control plane from per-release observations. Pure.

Per release: a phase and a message; for the control plane: Ready, InfrastructureReady,
Progressing, Degraded and one `<Release>Ready` condition each, with lastTransitionTime kept
while a condition's status does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from osprey.actions import Action, Kind, is_ready
from osprey.api.conditions import get_condition, set_condition
from osprey.api.status import Condition, ControlPlaneStatus, Phase, ServiceStatus
from osprey.health import ReleaseHealth
from osprey.plan import Plan
from osprey.releases import DeployedRelease

INFRASTRUCTURE = ("mariadb", "rabbitmq", "memcached")

# Worst first: the control plane's phase and Ready reason come from its worst release.
TOP_LEVEL = ("Ready", "InfrastructureReady", "Progressing", "Degraded")
SEVERITY = [Phase.Failed, Phase.Degraded, Phase.Progressing, Phase.Pending, Phase.Paused,
            Phase.Ready]


def condition_type(release: str) -> str:
    return "".join(part.capitalize() for part in release.replace("_", "-").split("-")) + "Ready"


@dataclass(frozen=True)
class Observation:
    """Everything a pass learnt about one control plane, input of the status rollup."""

    generation: int
    plan: Plan
    actions: Mapping[str, Action]
    deployed: Mapping[str, DeployedRelease]
    health: Mapping[str, ReleaseHealth]
    running: Mapping[str, Kind]  # helm operations under way, by release
    errors: Mapping[str, str]  # last failure per release, until it succeeds
    paused: bool = False


def service_status(
    name: str, obs: Observation, previous: Condition | None
) -> ServiceStatus:
    release = obs.plan[name]
    deployed = obs.deployed.get(name)
    health = obs.health.get(name)
    action = obs.actions.get(name)
    error = obs.errors.get(name, "")
    ready, desired = (health.ready, health.desired) if health else (0, 0)
    base = {
        "chart": release.chart.name,
        "chartVersion": deployed.version if deployed else release.chart.version,
        "revision": deployed.revision if deployed else None,
        "valuesHash": deployed.values_hash if deployed else "",
        "ready": ready,
        "desired": desired,
        "lastError": error,
    }
    if name in obs.running:
        message = f"helm {obs.running[name].value} in progress"
        if health is not None and health.stuck_message:  # helm waits on pods that won't start
            message = f"{message}: {health.stuck_message}"
        return ServiceStatus(phase=Phase.Progressing, message=message, **base)
    if action is not None and action.kind is Kind.blocked:
        return ServiceStatus(phase=Phase.Failed, message=action.reason, **base)
    if deployed is not None and deployed.pending and action is not None:
        return ServiceStatus(phase=Phase.Progressing, message=action.reason, **base)
    if health is not None and health.failed:
        return ServiceStatus(phase=Phase.Failed, message=health.message, **base)
    up_to_date = release.satisfied_by(deployed)
    if up_to_date and is_ready(deployed, health):
        return ServiceStatus(phase=Phase.Ready, message="", **base)
    if error:
        return ServiceStatus(phase=Phase.Failed, message=error, **base)
    if obs.paused and not up_to_date:
        return ServiceStatus(phase=Phase.Paused, message="spec.paused is true: change held",
                             **base)
    was_ready = previous is not None and previous.status == "True"
    if deployed is not None and deployed.status == "deployed" and was_ready and health:
        # Workloads not ready, or, all ready, a change that waits for a dependency.
        waiting = action.reason if action is not None else ""
        return ServiceStatus(phase=Phase.Degraded, message=health.message or waiting, **base)
    if action is not None and action.kind is Kind.wait and deployed is None:
        return ServiceStatus(phase=Phase.Pending, message=action.reason, **base)
    message = health.message if health and not health.is_ready else (action.reason if action else "")
    return ServiceStatus(phase=Phase.Progressing, message=message, **base)


def _worst(statuses: Mapping[str, ServiceStatus]) -> tuple[str, ServiceStatus] | None:
    ranked = sorted(statuses.items(), key=lambda item: SEVERITY.index(item[1].phase))
    return ranked[0] if ranked else None


def rollup(obs: Observation, previous: ControlPlaneStatus, now: str) -> ControlPlaneStatus:
    """The new status; conditions keep their lastTransitionTime unless their status flips."""
    services = {
        name: service_status(name, obs, get_condition(previous.conditions, condition_type(name)))
        for name in obs.plan.names
    }
    ready_count = sum(s.phase is Phase.Ready for s in services.values())
    worst = _worst(services)
    all_ready = ready_count == len(services)
    gen = obs.generation
    # Conditions of releases the plan no longer has are dropped with them.
    release_types = {condition_type(n) for n in obs.plan.names}
    conditions = [c for c in previous.conditions if c.type in TOP_LEVEL or c.type in release_types]

    def put(type_: str, ok: bool | None, reason: str, message: str) -> None:
        nonlocal conditions
        value = "Unknown" if ok is None else ("True" if ok else "False")
        conditions = set_condition(conditions, type_, value, reason, message, gen, now)

    for name, svc in services.items():
        put(condition_type(name), svc.phase is Phase.Ready, svc.phase.value, svc.message)

    infra = [services[n] for n in INFRASTRUCTURE if n in services]
    infra_ready = all(s.phase is Phase.Ready for s in infra)
    put("InfrastructureReady", infra_ready, "Ready" if infra_ready else "NotReady",
        "" if infra_ready else _summary({n: services[n] for n in INFRASTRUCTURE if n in services}))

    degraded = {n: s for n, s in services.items() if s.phase in (Phase.Degraded, Phase.Failed)}
    put("Degraded", bool(degraded), "ReleasesDegraded" if degraded else "AsExpected",
        _summary(degraded))

    if obs.paused:
        put("Progressing", False, "Paused", "spec.paused is true: no changes are made")
        phase = Phase.Paused
    else:
        busy = {n: s for n, s in services.items() if s.phase in (Phase.Progressing, Phase.Pending)}
        put("Progressing", bool(busy), "Reconciling" if busy else "Converged", _summary(busy))
        phase = Phase.Ready if all_ready else worst[1].phase if worst else Phase.Ready

    if all_ready:
        put("Ready", True, "AllServicesReady",
            f"{ready_count}/{len(services)} releases ready")
    else:
        name, svc = worst
        put("Ready", False, f"{condition_type(name)[:-5]}{svc.phase.value}",
            f"{name}: {svc.message}" if svc.message else f"{name} is {svc.phase.value.lower()}")

    return ControlPlaneStatus(
        observedGeneration=gen,
        phase=phase,
        servicesReady=f"{ready_count}/{len(services)}",
        conditions=conditions,
        services=services,
    )


def _summary(statuses: Mapping[str, ServiceStatus]) -> str:
    parts = [f"{n}: {s.message or s.phase.value.lower()}" for n, s in list(statuses.items())[:4]]
    if len(statuses) > 4:
        parts.append(f"and {len(statuses) - 4} more")
    return "; ".join(parts)


def halted_status(
    previous: ControlPlaneStatus, generation: int, reason: str, message: str, now: str
) -> ControlPlaneStatus:
    """Ready=False and Progressing=False with `reason`: the pass stopped before changing
    anything, and only a person can clear the way (InvalidSpec, NamespaceTaken,
    CredentialsLost). Per-release state is left as last observed."""
    conditions = set_condition(previous.conditions, "Ready", "False", reason, message,
                               generation, now)
    conditions = set_condition(conditions, "Progressing", "False", reason,
                               "nothing changes until this is resolved", generation, now)
    return previous.model_copy(
        update={"observedGeneration": generation, "phase": Phase.Failed, "conditions": conditions}
    )


def invalid_spec_status(
    previous: ControlPlaneStatus, generation: int, message: str, now: str
) -> ControlPlaneStatus:
    """Ready=False with reason InvalidSpec; per-release state is left as last observed."""
    return halted_status(previous, generation, "InvalidSpec", message, now)


def failed_pass_status(
    previous: ControlPlaneStatus, generation: int, message: str, now: str
) -> ControlPlaneStatus:
    """Ready=False with reason ReconcileError: the pass failed and is retried after a
    back-off. The rest is left as last observed, since this pass saw nothing reliable."""
    conditions = set_condition(previous.conditions, "Ready", "False", "ReconcileError", message,
                               generation, now)
    return previous.model_copy(
        update={"observedGeneration": generation, "phase": Phase.Failed, "conditions": conditions}
    )
