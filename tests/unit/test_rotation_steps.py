"""Rotating a service's passwords: the database user first, then the releases, then done."""

from dataclasses import replace

import pytest

from osprey import catalog
from osprey.api import SpecError, validate_spec
from osprey.api.status import CredentialRotation, RotationPhase
from osprey.catalog import credentials as keys
from osprey.plan import plan
from osprey.recovery import credential_paths
from osprey.rotation.driver import RotationRefused, check
from osprey.rotation.job import database_job, database_tls_secret
from osprey.rotation.steps import Act, Facts, JobState, ReleaseState, advance, rotated_keys

SPEC = validate_spec({"services": {"keystone": {"enabled": True}}})
KEYS = rotated_keys(catalog.entry("keystone"))
OLD = {key: f"old-{key}" for key in catalog.credential_keys(SPEC)}
NEW = {key: f"new-{key}" for key in KEYS}
PATHS = credential_paths(SPEC, "ns")
NOW = "2026-12-01T06:00:00Z"


def keystone_values(credentials):
    return next(r.values for r in plan(SPEC, "ns", credentials).releases if r.name == "keystone")


def facts(**changes) -> Facts:
    base = Facts(
        service="keystone", token="2", record=None, keys=KEYS, has_database=True,
        installed=True, blocked_by=None, staged=None, staged_for=None,
        current={k: OLD[k] for k in KEYS}, job=JobState.absent, job_message="",
        users={"keystone": ReleaseState(keystone_values(OLD), pending=False, ready=True)},
        paths=PATHS, now=NOW)
    if changes.get("staged") is not None:
        changes.setdefault("staged_for", ("keystone", "2", 1))
    return replace(base, **changes)


def record(phase: RotationPhase, **changes) -> CredentialRotation:
    return CredentialRotation(token="2", phase=phase, startedAt=NOW, **changes)


def test_a_service_rotates_its_own_database_messaging_and_keystone_passwords_only():
    assert KEYS == ("keystone-db-password", "keystone-rabbitmq-password")
    assert rotated_keys(catalog.entry("nova")) == (
        "nova-db-password", "nova-rabbitmq-password", "nova-keystone-password")
    assert keys.MARIADB_ROOT not in KEYS and keys.KEYSTONE_ADMIN not in KEYS


def test_a_new_token_stages_new_passwords_and_changes_the_database_user_first():
    step = advance(facts())
    assert step.acts == (Act.stage, Act.run_job)
    assert step.record.phase is RotationPhase.Database and step.record.startedAt == NOW
    assert [e[1] for e in step.events] == ["RotationStarted"]


def test_the_credentials_secret_changes_only_once_the_database_job_completed():
    running = advance(facts(record=record(RotationPhase.Database), staged=NEW,
                            job=JobState.running))
    assert running.acts == () and running.record.phase is RotationPhase.Database
    done = advance(facts(record=record(RotationPhase.Database), staged=NEW,
                         job=JobState.complete))
    assert done.acts == (Act.swap,) and done.record.phase is RotationPhase.Config


def test_a_failed_database_job_leaves_the_passwords_as_they_were():
    step = advance(facts(record=record(RotationPhase.Database), staged=NEW,
                         job=JobState.failed, job_message="BackoffLimitExceeded"))
    assert step.record.phase is RotationPhase.Failed
    assert step.acts == () and "BackoffLimitExceeded" in step.record.message
    assert step.events[0][:2] == ("Warning", "RotationFailed")
    assert advance(facts(record=step.record)).acts == ()  # a new token tries again


def test_the_rotation_waits_until_every_release_runs_with_the_new_passwords():
    current = {**OLD, **NEW}
    upgrading = ReleaseState(keystone_values(current), pending=True, ready=True)
    step = advance(facts(record=record(RotationPhase.Config), staged=NEW, current=NEW,
                         users={"keystone": upgrading}))
    assert step.record.phase is RotationPhase.Config and "keystone" in step.record.message
    old_values = ReleaseState(keystone_values(OLD), pending=False, ready=True)
    assert advance(facts(record=record(RotationPhase.Config), staged=NEW, current=NEW,
                         users={"keystone": old_values})).record.phase is RotationPhase.Config


def test_the_rotation_is_done_when_the_releases_run_with_the_new_passwords_and_are_ready():
    running = ReleaseState(keystone_values({**OLD, **NEW}), pending=False, ready=True)
    step = advance(facts(record=record(RotationPhase.Config), staged=NEW, current=NEW,
                         users={"keystone": running}))
    assert step.record.phase is RotationPhase.Rotated and step.record.rotatedAt == NOW
    assert step.acts == (Act.finish,)
    assert [e[1] for e in step.events] == ["CredentialsRotated"]


def test_a_credentials_secret_recovered_with_the_old_passwords_gets_the_new_ones_back():
    # Lost after the database user changed: recovery took the old ones back from the release.
    step = advance(facts(record=record(RotationPhase.Config), staged=NEW,
                         current={k: OLD[k] for k in KEYS}))
    assert step.acts == (Act.swap,) and step.record.phase is RotationPhase.Config


def test_new_passwords_lost_before_the_database_changed_restart_the_rotation():
    step = advance(facts(record=record(RotationPhase.Database), staged=None))
    assert step.acts == (Act.stage, Act.run_job)
    assert step.record.attempt == 2 and step.record.phase is RotationPhase.Database


def test_a_pass_that_saw_an_older_status_goes_on_with_the_passwords_already_staged():
    # The Job may already read them: new ones would give MariaDB and the Secret different ones.
    before = CredentialRotation(token="1", phase=RotationPhase.Rotated, rotatedAt=NOW)
    step = advance(facts(record=before, staged=NEW))
    assert step.acts == (Act.run_job,) and step.events == ()
    assert step.record.phase is RotationPhase.Database and step.record.attempt == 1


def test_passwords_staged_for_another_rotation_are_not_used():
    step = advance(facts(record=record(RotationPhase.Database), staged=NEW,
                         staged_for=("keystone", "1", 1), job=JobState.complete))
    assert step.acts == (Act.stage, Act.run_job) and step.record.attempt == 2


def test_a_rotation_waits_for_an_upgrade_or_another_rotation():
    step = advance(facts(blocked_by="the OpenStack upgrade"))
    assert step.acts == () and step.record.phase is RotationPhase.Pending
    assert step.record.message == "waiting for the OpenStack upgrade"
    assert advance(facts(record=step.record)).acts == (Act.stage, Act.run_job)


def test_a_first_token_before_the_service_is_installed_rotates_nothing():
    step = advance(facts(installed=False))
    assert step.acts == () and step.record.phase is RotationPhase.Rotated
    assert step.record.rotatedAt is None


def test_a_rotated_token_is_not_rotated_again():
    done = record(RotationPhase.Rotated, rotatedAt=NOW)
    assert advance(facts(record=done)).acts == ()


def test_a_service_without_a_database_puts_its_new_passwords_in_place_at_once():
    step = advance(facts(has_database=False))
    assert step.acts == (Act.stage, Act.swap) and step.record.phase is RotationPhase.Config


@pytest.mark.parametrize(("rotate", "message"), [
    ({"mariadb": "1"}, "spec.credentials.rotate: keys must be service names"),
    ({"keystone": ""}, "spec.credentials.rotate.keystone: String should have at least 1"),
    ({"keystone": "a b"}, "spec.credentials.rotate.keystone: String should match pattern"),
])
def test_a_bad_rotation_request_names_the_field(rotate, message):
    with pytest.raises(SpecError, match=message.replace(".", r"\.")):
        validate_spec({"credentials": {"rotate": rotate}})


def test_a_rotation_of_a_disabled_service_names_the_field():
    spec = validate_spec({"credentials": {"rotate": {"heat": "1"}}})
    with pytest.raises(RotationRefused, match=r"spec\.credentials\.rotate\.heat: heat is not "
                                              "enabled"):
        check(spec)


def test_under_internal_tls_the_database_job_connects_with_the_release_client_certificate():
    values = {"manifests": {"certificates": True},
              "endpoints": {"oslo_db": {"auth": {"admin": {"secret": {"tls": {
                  "internal": "mariadb-tls-direct"}}}}}}}
    secret = database_tls_secret(values)
    job = database_job(control_plane="openstack", service="keystone", user="keystone",
                       token="1", attempt=1, image="heat:2025.1", host="mariadb",
                       node_selector={}, tls_secret=secret)
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert secret == "mariadb-tls-direct"
    assert pod["volumes"] == [{"name": "db-certs", "secret": {
        "secretName": "mariadb-tls-direct", "defaultMode": 0o444}}]
    assert container["volumeMounts"][0]["mountPath"] == "/etc/mysql/certs"
    assert {"name": "DB_CERTS", "value": "/etc/mysql/certs"} in container["env"]


def test_without_internal_tls_the_database_job_connects_plain():
    assert database_tls_secret({"manifests": {"certificates": False}}) is None
    job = database_job(control_plane="openstack", service="keystone", user="keystone",
                       token="1", attempt=1, image="heat:2025.1", host="mariadb",
                       node_selector={})
    pod = job["spec"]["template"]["spec"]
    assert "volumes" not in pod
    assert all(e["name"] != "DB_CERTS" for e in pod["containers"][0]["env"])
