"""Where the rotation meets the cluster: the rotation Secret, the database Job, the credentials
Secret, Events. The seam a pass calls once it knows its credentials and releases."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from osprey import catalog
from osprey.api.spec import ControlPlaneSpec
from osprey.api.status import ControlPlaneStatus, CredentialRotation, RotationPhase, UpgradePhase
from osprey.catalog.values.images import image_tags, pull_secrets
from osprey.health import ReleaseHealth
from osprey.kube import KubeError, resource
from osprey.ownership import owner_value
from osprey.recovery import credential_paths, value_at
from osprey.releases import OWNER_LABEL, DeployedRelease
from osprey.rotation.job import (
    DEFAULT_DATABASE_HOST,
    database_job,
    database_tls_secret,
    job_name,
    job_state,
    rotation_secret_name,
)
from osprey.rotation.steps import (
    IN_PROGRESS,
    Act,
    Facts,
    JobState,
    ReleaseState,
    Step,
    advance,
    rotated_keys,
    staged_attempt,
)
from osprey.secrets import MANAGED_BY, generate_password, read_credentials, secret_name

if TYPE_CHECKING:
    from osprey.runtime import Runtime

SECRET = resource("Secret")
JOB = resource("Job")
STAGED_FOR = "osprey.dev/rotation"  # the rotation Secret's annotation: service/token/attempt
ACTIVE = (RotationPhase.Database, RotationPhase.Config)
POLL_SECONDS = 2.0  # a rotation under way is looked at again this soon


class RotationRefused(Exception):
    """spec.credentials.rotate names a service that has nothing to rotate."""


@dataclass(frozen=True)
class Staged:
    """The rotation Secret: new passwords, and the rotation they were generated for."""

    passwords: dict[str, str]
    rotation: tuple[str, str, int] | None

    @classmethod
    def of(cls, secret: Mapping[str, Any] | None) -> Staged | None:
        if secret is None:
            return None
        annotation = (secret["metadata"].get("annotations") or {}).get(STAGED_FOR, "")
        service, _, rest = annotation.partition("/")
        token, _, attempt = rest.rpartition("/")
        rotation = (service, token, int(attempt)) if attempt.isdigit() and token else None
        return cls(read_credentials(secret) or {}, rotation)


@dataclass(frozen=True)
class Rotation:
    """What a pass goes on with."""

    credentials: dict[str, str]  # the credentials Secret as the rotation left it
    staged: frozenset[str]  # new passwords not in the credentials Secret yet (to mask)
    records: dict[str, CredentialRotation]
    wake_in: float | None

    def report(self, status: ControlPlaneStatus) -> ControlPlaneStatus:
        return status.model_copy(update={"credentials": self.records})


def check(spec: ControlPlaneSpec) -> None:
    """Every service named in spec.credentials.rotate is enabled and has passwords of its own."""
    enabled = {e.name for e in catalog.enabled_entries(spec)}
    for service in spec.credentials.rotate:
        field = f"spec.credentials.rotate.{service}"
        if service not in enabled:
            raise RotationRefused(f"{field}: {service} is not enabled; only an enabled "
                                  "service's passwords can be rotated")
        if not rotated_keys(catalog.entry(service)):
            raise RotationRefused(f"{field}: {service} has no passwords of its own to rotate")


class Rotations:
    """The rotation side of one control plane's passes."""

    def __init__(self, runtime: Runtime, namespace: str, name: str):
        self.runtime = runtime
        self.namespace = namespace
        self.name = name

    async def advance(
        self,
        body: Mapping[str, Any],
        spec: ControlPlaneSpec,
        previous: ControlPlaneStatus,
        credentials: Mapping[str, str],
        deployed: Mapping[str, DeployedRelease],
        health: Mapping[str, ReleaseHealth],
        now: str,
    ) -> Rotation:
        """Move each asked-for rotation one step on; raises RotationRefused."""
        check(spec)
        records = dict(previous.credentials)
        credentials = dict(credentials)
        wanted = spec.credentials.rotate
        order = [e.name for e in catalog.enabled_entries(spec) if e.name in wanted]
        todo = [s for s in order if not _settled(records.get(s), wanted[s])]
        if not todo or spec.paused:  # spec.paused: no change at all, this one included
            return Rotation(credentials, frozenset(), records, None)
        staged = Staged.of(await self.runtime.kube.get(
            SECRET, self.namespace, rotation_secret_name(self.name)))
        paths = credential_paths(spec, self.namespace)
        upgrading = previous.upgrade is not None and \
            previous.upgrade.phase is not UpgradePhase.Completed
        for service in todo:
            entry = catalog.entry(service)
            record = records.get(service)
            active = next((s for s, r in records.items() if s != service and r.phase in ACTIVE),
                          None)
            blocked = ("the OpenStack upgrade" if upgrading else
                       f"the rotation of {active}" if active else None)
            if record is not None and record.phase in ACTIVE and record.token == wanted[service]:
                blocked = None  # under way: it finishes
            keys = rotated_keys(entry)
            users = {name: ReleaseState(deployed[name].values, deployed[name].pending,
                                        name in health and health[name].is_ready)
                     for name, where in paths.items()
                     if any(k in where for k in keys) and name in deployed}
            facts = Facts(
                service=service, token=wanted[service], record=record, keys=keys,
                has_database=entry.database_user is not None,
                installed=service in deployed, blocked_by=blocked,
                staged=None if staged is None else dict(staged.passwords),
                staged_for=None if staged is None else staged.rotation,
                current={k: credentials[k] for k in keys if k in credentials},
                job=JobState.absent, job_message="", users=users, paths=paths, now=now)
            if record is not None and record.phase is RotationPhase.Database:
                attempt = staged_attempt(facts) or record.attempt
                raw, message = job_state(await self.runtime.kube.get(
                    JOB, self.namespace, job_name(service, record.token, attempt)))
                facts = replace(facts, job=JobState(raw), job_message=message)
            step = advance(facts)
            staged = await self._act(step, facts, spec, deployed, credentials, staged)
            for kind, reason, text in step.events:
                self.runtime.events(body, kind, reason, text)
            if step.record is not None:
                records[service] = step.record
        busy = any(r.phase in IN_PROGRESS for r in records.values())
        hidden = frozenset(staged.passwords.values()) if staged else frozenset()
        return Rotation(credentials, hidden, records, POLL_SECONDS if busy else None)

    async def _act(
        self,
        step: Step,
        facts: Facts,
        spec: ControlPlaneSpec,
        deployed: Mapping[str, DeployedRelease],
        credentials: dict[str, str],
        staged: Staged | None,
    ) -> Staged | None:
        """Carry out the step; returns the rotation Secret as it now is."""
        kube, record = self.runtime.kube, step.record
        assert record is not None or not step.acts
        for act in step.acts:
            if act is Act.stage:
                assert record is not None
                fresh = Staged({key: generate_password() for key in facts.keys},
                               (facts.service, record.token, record.attempt))
                staged = await self._stage(fresh, staged)
            elif act is Act.run_job:
                entry = catalog.entry(facts.service)
                assert entry.database_user is not None and record is not None
                values = deployed[facts.service].values
                image = value_at(values, ("images", "tags", "db_init"))
                if not isinstance(image, str) or not image:  # the image the release runs
                    release = catalog.load_release_catalog(spec.openstackRelease.value)
                    image = image_tags(facts.service, spec, release).get(
                        "images", {}).get("tags", {}).get("db_init", "")
                host = value_at(values, ("endpoints", "oslo_db", "hosts", "default"))
                manifest = database_job(
                    control_plane=self.name, service=facts.service, user=entry.database_user,
                    token=record.token, attempt=record.attempt, image=image,
                    host=host if isinstance(host, str) and host else DEFAULT_DATABASE_HOST,
                    node_selector=spec.nodeSelector, pull_secrets=pull_secrets(values),
                    tls_secret=database_tls_secret(values))
                try:
                    await kube.create(JOB, self.namespace, manifest)
                except KubeError as exc:
                    if exc.status != 409:
                        raise
            elif act is Act.swap:
                new = {k: v for k, v in (staged.passwords if staged else {}).items()
                       if k in facts.keys}
                await kube.merge_patch(SECRET, self.namespace, secret_name(self.name),
                                       {"data": _encode(new)})
                credentials.update(new)
            elif act is Act.finish:
                await kube.delete(SECRET, self.namespace, rotation_secret_name(self.name))
                if record is not None and facts.has_database:
                    await kube.delete(JOB, self.namespace,
                                      job_name(facts.service, record.token, record.attempt))
                staged = None
        return staged

    async def _stage(self, fresh: Staged, staged: Staged | None) -> Staged:
        """The rotation Secret holds exactly `fresh` (one rotation at a time)."""
        kube, name = self.runtime.kube, rotation_secret_name(self.name)
        if staged is not None:
            await kube.delete(SECRET, self.namespace, name)
        assert fresh.rotation is not None
        labels = {**MANAGED_BY, OWNER_LABEL: owner_value(self.name)}
        annotations = {STAGED_FOR: "/".join(map(str, fresh.rotation))}
        await kube.create(SECRET, self.namespace, {
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "labels": labels, "annotations": annotations},
            "data": _encode(fresh.passwords)})
        return fresh


def _settled(record: CredentialRotation | None, token: str) -> bool:
    return record is not None and record.token == token and record.phase not in IN_PROGRESS


def _encode(values: Mapping[str, str]) -> dict[str, str]:
    return {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
