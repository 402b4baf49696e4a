"""The log's safety net: a secret the operator knows of never reaches a log line, whoever
logged it (Osprey, Kopf, a library) and wherever it sits in the record."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from osprey.logging import configure_logging, redact_secrets_of
from osprey.masking import MASK

PASSWORD = "s3cretPassw0rdXYZ"
CERT = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----"


class Keeper:
    """Holds the secrets it knows of, as a runtime does for its control planes."""

    def __init__(self, *secrets: str) -> None:
        self.secrets = frozenset(secrets)

    def known_secrets(self) -> frozenset[str]:
        return self.secrets


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield io.StringIO()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def keeper() -> Keeper:
    keeper = Keeper(PASSWORD, CERT)
    redact_secrets_of(keeper)
    return keeper


def test_a_known_secret_in_a_message_argument_is_masked(stream, keeper) -> None:
    configure_logging("info", "logfmt", stream=stream)
    logging.getLogger("osprey").info("connecting with %s", PASSWORD)
    out = stream.getvalue()
    assert PASSWORD not in out
    assert f"connecting with {MASK}" in out


def test_a_known_secret_in_an_extra_field_is_masked(stream, keeper) -> None:
    configure_logging("info", "json", stream=stream)
    logging.getLogger("osprey").info("values", extra={"values": {"auth": {"pw": PASSWORD}}})
    line = json.loads(stream.getvalue())
    assert line["values"] == {"auth": {"pw": MASK}}


def test_a_known_secret_in_an_exception_is_masked(stream, keeper) -> None:
    configure_logging("info", "logfmt", stream=stream)
    try:
        raise RuntimeError(f"helm failed: --set password={PASSWORD}")
    except RuntimeError:
        logging.getLogger("kopf.objects").exception("Handler failed")
    out = stream.getvalue()
    assert PASSWORD not in out
    assert f"password={MASK}" in out


def test_a_multi_line_secret_is_masked_before_the_line_escapes_it(stream, keeper) -> None:
    configure_logging("info", "json", stream=stream)
    logging.getLogger("pyhelm3").error("stderr: %s", CERT)
    assert json.loads(stream.getvalue())["msg"] == f"stderr: {MASK}"


def test_a_secret_learned_after_logging_was_configured_is_masked(stream, keeper) -> None:
    configure_logging("info", "logfmt", stream=stream)
    keeper.secrets = keeper.secrets | {"l4terLearnedValue"}
    logging.getLogger("osprey").info("now l4terLearnedValue")
    assert "l4terLearnedValue" not in stream.getvalue()


def test_a_secret_in_an_object_logged_by_its_text_is_masked(stream, keeper) -> None:
    class Opaque:
        def __str__(self) -> str:
            return f"<opaque {PASSWORD}>"

    configure_logging("info", "logfmt", stream=stream)
    logging.getLogger("osprey").info("seen", extra={"thing": Opaque()})
    assert PASSWORD not in stream.getvalue()


def test_a_keeper_that_is_gone_no_longer_masks(stream) -> None:
    keeper = Keeper("f0rgottenValue")
    redact_secrets_of(keeper)
    del keeper
    configure_logging("info", "logfmt", stream=stream)
    logging.getLogger("osprey").info("f0rgottenValue")
    assert "f0rgottenValue" in stream.getvalue()


def test_the_runtime_masks_what_its_control_planes_know(stream) -> None:
    from osprey.runtime import Runtime, Settings

    runtime = Runtime(Settings(), kube=object(), helm=object())  # type: ignore[arg-type]
    runtime.control_plane("cloud", "main").secrets = frozenset({PASSWORD})
    configure_logging("info", "logfmt", stream=stream)
    logging.getLogger("kopf.objects").warning("patch failed: %s", {"password": PASSWORD})
    assert PASSWORD not in stream.getvalue()
