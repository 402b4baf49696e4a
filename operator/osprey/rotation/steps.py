"""The rotation of one service's passwords as a state machine. Pure.

Phases (status.credentials.<service>.phase): Pending (waiting for another rotation or an
upgrade), Database (the new passwords are kept in the rotation Secret; the database Job gives
the database user its new password), Config (the credentials Secret holds the new passwords;
the releases that render them are upgraded and their pods restart), Rotated, Failed.

The new passwords live in a Secret of their own (`<name>-rotation`) until the rotation is
done: if the credentials Secret is lost meanwhile, recovery takes back what the releases hold
(the old passwords, until they are upgraded), and the rotation puts the new ones back, since
the database already has them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from osprey.api.status import CredentialRotation, RotationPhase
from osprey.catalog import credentials as keys
from osprey.catalog.entry import ChartEntry
from osprey.recovery import CredentialPaths, value_at

IN_PROGRESS = (RotationPhase.Pending, RotationPhase.Database, RotationPhase.Config)


def rotated_keys(entry: ChartEntry) -> tuple[str, ...]:
    """The service's own passwords: its database user, RabbitMQ user and Keystone users.
    Shared ones (MariaDB root, RabbitMQ admin, Keystone admin, memcache key) are never rotated
    with a service: every chart renders them."""
    own: list[str] = []
    if entry.database_user:
        own.append(keys.database_password(entry.database_user))
    if entry.messaging_user:
        own.append(keys.messaging_password(entry.messaging_user))
    own += [keys.keystone_password(user) for user in entry.keystone_users]
    return tuple(own)


class JobState(StrEnum):
    absent = "absent"
    running = "running"
    complete = "complete"
    failed = "failed"


@dataclass(frozen=True)
class ReleaseState:
    """What the rotation needs to know of a release that renders a rotated password."""

    values: Mapping[str, object]
    pending: bool
    ready: bool


@dataclass(frozen=True)
class Facts:
    service: str
    token: str  # spec.credentials.rotate.<service>
    record: CredentialRotation | None  # status.credentials.<service>
    keys: tuple[str, ...]  # rotated_keys
    has_database: bool
    installed: bool  # the service's release is deployed
    blocked_by: str | None  # another rotation or an upgrade under way
    staged: Mapping[str, str] | None  # the rotation Secret's passwords (None: no such Secret)
    staged_for: tuple[str, str, int] | None  # the (service, token, attempt) it was written for
    current: Mapping[str, str]  # the credentials Secret's values of `keys`
    job: JobState
    job_message: str
    users: Mapping[str, ReleaseState]  # releases rendering any of `keys`
    paths: Mapping[str, CredentialPaths]  # where each release renders each key
    now: str


class Act(StrEnum):
    stage = "stage"  # write new passwords into the rotation Secret
    run_job = "run_job"  # create the database Job
    swap = "swap"  # put the staged passwords into the credentials Secret
    finish = "finish"  # delete the rotation Secret and the Job


@dataclass(frozen=True)
class Step:
    record: CredentialRotation | None
    acts: tuple[Act, ...] = ()
    events: tuple[tuple[str, str, str], ...] = field(default=())  # (type, reason, message)


def advance(f: Facts) -> Step:
    record = f.record
    if record is not None and record.token == f.token and record.phase not in IN_PROGRESS:
        return Step(record)
    if not f.installed:  # fresh passwords already: a first token rotates nothing
        return Step(CredentialRotation(token=f.token, phase=RotationPhase.Rotated,
                                       message="not installed yet: nothing to rotate"))
    if record is None or record.token != f.token or record.phase is RotationPhase.Pending:
        if f.blocked_by is not None:
            return Step(CredentialRotation(token=f.token, phase=RotationPhase.Pending,
                                           rotatedAt=_last_rotated(record),
                                           message=f"waiting for {f.blocked_by}"))
        return _start(f, attempt=1, rotated_at=_last_rotated(record))
    if record.phase is RotationPhase.Database:
        return _database(f, record)
    return _config(f, record)


def _last_rotated(record: CredentialRotation | None) -> str | None:
    return record.rotatedAt if record is not None else None


def staged_attempt(f: Facts) -> int | None:
    """The attempt the rotation Secret holds every new password of, for this very rotation."""
    if f.staged is None or f.staged_for is None or f.staged_for[:2] != (f.service, f.token):
        return None
    return f.staged_for[2] if all(k in f.staged for k in f.keys) else None


def _start(f: Facts, attempt: int, rotated_at: str | None) -> Step:
    phase = RotationPhase.Database if f.has_database else RotationPhase.Config
    acts = (Act.stage, Act.run_job) if f.has_database else (Act.stage, Act.swap)
    message = ("changing the database user's password" if f.has_database
               else "upgrading the releases that use the new passwords")
    staged = staged_attempt(f)
    if staged is not None and staged >= attempt:
        # Started already (a pass saw an older status): go on with the passwords staged, so
        # that the Job and the credentials Secret never get different ones.
        record = CredentialRotation(token=f.token, phase=phase, attempt=staged,
                                    startedAt=f.now, rotatedAt=rotated_at, message=message)
        return Step(record, acts[1:])
    record = CredentialRotation(token=f.token, phase=phase, attempt=attempt, startedAt=f.now,
                                rotatedAt=rotated_at, message=message)
    why = ("started" if attempt == 1 else
           f"restarted (attempt {attempt}): its new passwords were lost")
    message = f"{f.service}: rotation {f.token} {why}; rotating {', '.join(f.keys)}"
    return Step(record, acts, (("Normal", "RotationStarted", message),))


def _database(f: Facts, record: CredentialRotation) -> Step:
    staged = staged_attempt(f)
    if staged is None or staged < record.attempt:
        return _start(f, record.attempt + 1, record.rotatedAt)
    if staged != record.attempt:  # the Secret is ahead of the status this pass saw
        record = record.model_copy(update={"attempt": staged})
    if f.job is JobState.absent:
        return Step(record, (Act.run_job,))
    if f.job is JobState.running:
        return Step(record)
    if f.job is JobState.failed:
        message = (f"the database Job failed ({f.job_message}); the service keeps its "
                   "passwords: set a new token to try again")
        failed = record.model_copy(update={"phase": RotationPhase.Failed, "message": message})
        return Step(failed, (),
                    (("Warning", "RotationFailed", f"{f.service}: {message}"),))
    config = record.model_copy(update={
        "phase": RotationPhase.Config,
        "message": "upgrading the releases that use the new passwords"})
    return Step(config, (Act.swap,), (("Normal", "DatabasePasswordChanged", (
        f"{f.service}: the database user has its new password; the credentials Secret now "
        "holds it and the releases using it are upgraded")),))


def _config(f: Facts, record: CredentialRotation) -> Step:
    acts: tuple[Act, ...] = ()
    current = dict(f.current)
    if staged_attempt(f) is not None and f.staged is not None and any(
            current.get(k) != f.staged[k] for k in f.keys):
        acts = (Act.swap,)  # the credentials Secret was lost and recovered with the old ones
        current.update({k: f.staged[k] for k in f.keys})
    waiting = sorted(name for name, state in f.users.items()
                     if not _runs_with(f.paths.get(name, {}), state, current, f.keys))
    if acts or waiting:
        message = (f"waiting for {', '.join(waiting)} to run with the new passwords"
                   if waiting else record.message)
        return Step(record.model_copy(update={"message": message}), acts)
    done = record.model_copy(update={"phase": RotationPhase.Rotated, "rotatedAt": f.now,
                                     "message": ""})
    return Step(done, (Act.finish,), (("Normal", "CredentialsRotated", (
        f"{f.service}: rotation {f.token} done; every release runs with the new passwords")),))


def _runs_with(paths: CredentialPaths, state: ReleaseState, current: Mapping[str, str],
               rotated: tuple[str, ...]) -> bool:
    """The release is deployed, ready, and its values hold the current password of every
    rotated key it renders."""
    if state.pending or not state.ready:
        return False
    return all(value_at(state.values, path) == current.get(key)
               for key in rotated for path in paths.get(key, ()))
