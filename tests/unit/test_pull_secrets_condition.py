"""ImagePullSecretsFound: a missing or mistyped pull secret is named in status and warned of
once, without holding anything back."""

from __future__ import annotations

from osprey.api.conditions import get_condition, set_condition
from osprey.pullsecrets import CONDITION, new_warning, pull_secrets_condition

NOW = "2026-12-01T09:00:00Z"
LATER = "2026-12-01T09:05:00Z"
DOCKER = {"type": "kubernetes.io/dockerconfigjson"}


def condition(secrets, previous=(), now=NOW):
    return get_condition(pull_secrets_condition([], list(previous), "cloud-a", secrets, 3, now),
                         CONDITION)


def test_no_pull_secrets_no_condition():
    earlier = set_condition([], CONDITION, False, "PullSecretMissing", "gone", 2, NOW)
    assert pull_secrets_condition(earlier, earlier, "cloud-a", {}, 3, NOW) == []


def test_every_pull_secret_found_is_true():
    found = condition({"regcred": DOCKER, "old": {"type": "kubernetes.io/dockercfg"}})
    assert (found.status.value, found.reason) == ("True", "PullSecretsFound")
    assert found.message == "2 image pull secrets found"
    assert found.observedGeneration == 3


def test_a_missing_secret_is_named_with_its_namespace():
    missing = condition({"regcred": DOCKER, "mirror": None})
    assert (missing.status.value, missing.reason) == ("False", "PullSecretMissing")
    assert missing.message.startswith(
        "Secret mirror (spec.images.pullSecrets) does not exist in namespace cloud-a")
    assert "ErrImagePull" in missing.message


def test_a_secret_of_another_type_is_named_with_its_type():
    wrong = condition({"regcred": {"type": "Opaque"}})
    assert (wrong.status.value, wrong.reason) == ("False", "PullSecretInvalid")
    assert wrong.message == (
        "Secret regcred (spec.images.pullSecrets) is of type Opaque, not "
        "kubernetes.io/dockerconfigjson: kubelet does not pull with it")


def test_the_transition_time_stays_while_the_status_does_not_flip():
    first = pull_secrets_condition([], [], "cloud-a", {"mirror": None}, 3, NOW)
    again = condition({"mirror": None}, previous=first, now=LATER)
    assert again.lastTransitionTime == NOW
    fixed = condition({"mirror": DOCKER}, previous=first, now=LATER)
    assert fixed.lastTransitionTime == LATER


def test_a_new_problem_is_warned_of_once():
    first = pull_secrets_condition([], [], "cloud-a", {"mirror": None}, 3, NOW)
    reason, message = new_warning([], first)
    assert reason == "PullSecretMissing" and "Secret mirror" in message
    again = pull_secrets_condition([], first, "cloud-a", {"mirror": None}, 3, LATER)
    assert new_warning(first, again) is None
    other = pull_secrets_condition([], again, "cloud-a", {"mirror": {"type": "Opaque"}}, 3, LATER)
    assert new_warning(again, other)[0] == "PullSecretInvalid"


def test_no_warning_when_every_secret_is_found():
    found = pull_secrets_condition([], [], "cloud-a", {"regcred": DOCKER}, 3, NOW)
    assert new_warning([], found) is None
