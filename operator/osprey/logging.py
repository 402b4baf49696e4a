"""Structured, single-line logs for the operator and for Kopf.

Every record becomes one line: logfmt (`key=value`, the default, easy to read and to grep) or
JSON (one object per line, for log pipelines). Kopf's per-object records carry the object they
are about (`k8s_ref`); it becomes the fields `kind`, `namespace` and `name`. Fields passed with
`logger.info("...", extra={"release": "nova"})` become fields of the line too.

At `info` the log says what the operator does: helm operations and their outcomes, failures,
repairs and transitions. Kopf's bookkeeping at INFO (`Handler '_wake_namespace' succeeded.`,
one per watch event; `Activity 'login' succeeded.`) is shown at `debug` only.

Secrets: callers never pass secret values (passwords, tokens, Secret data, rendered values) in
messages or `extra`. Two nets catch what slips through: every line is written with the secrets
the operator knows of (each runtime registers itself with `redact_secrets_of`: its control
planes' generated passwords and valuesFrom Secret values) masked, in every field before it is
escaped and in the finished line; and the Kubernetes client and urllib3 loggers are held at
WARNING whatever the level, because at DEBUG they print request and response bodies, which
include Secret data the operator has not learned of.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import sys
import weakref
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

from osprey.masking import redact, redact_strings

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMATS = ("logfmt", "json")

# Attributes every LogRecord has; anything else on a record came from `extra`.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName",
}
# Kopf's own bookkeeping on its records: the object reference is rendered separately, the
# settings object and the event-posting flag are not log content.
_KOPF_ATTRS = frozenset({"k8s_ref", "k8s_skip", "settings"})
# Loggers that print HTTP bodies (Secret data included) at DEBUG.
_BODY_LOGGERS = ("kubernetes", "urllib3", "client")
# Loggers that are chatty at INFO; shown only when the operator logs at DEBUG.
_CHATTY_LOGGERS = ("asyncio", "aiohttp.access")
# pyhelm3 warns of every failed helm command, which Osprey reports itself (with the release).
_DUPLICATING_LOGGERS = ("pyhelm3",)


# Kopf's loggers whose INFO records are per-event or per-activity bookkeeping; their warnings
# and errors (a handler that failed, a watch that broke) keep their level.
_KOPF_CHATTER = ("kopf.objects", "kopf.activities", "kopf._core.engines.activities")
# Kopf's warnings that are expected: running in a thread (tests, `make demo`, benchmarks),
# and a daemon cancelled because the operator stops (one that does not stop in time on its own
# has a warning of its own: "did not exit in time").
_KOPF_EXPECTED = re.compile(
    r"OS signals are ignored: running not in the main thread\.|Daemon '[^']+' is cancelled\. "
    r"Will escalate\.")


class SecretKeeper(Protocol):
    def known_secrets(self) -> frozenset[str]:
        """The secret values it knows of now (may grow as control planes are reconciled)."""
        ...


# Whoever knows secrets (a runtime), held weakly: a stopped runtime's secrets stop mattering
# with it. Logging is process-wide, so is this.
_KEEPERS: weakref.WeakSet[SecretKeeper] = weakref.WeakSet()


def redact_secrets_of(keeper: SecretKeeper) -> None:
    """Mask the secrets `keeper` knows of, at any time from now on, in every log line."""
    _KEEPERS.add(keeper)


def _known_secrets() -> frozenset[str]:
    return frozenset().union(*(k.known_secrets() for k in list(_KEEPERS)))


def _is_kopf_chatter(record: logging.LogRecord) -> bool:
    if record.levelno == logging.INFO:
        return any(record.name == n or record.name.startswith(n + ".") for n in _KOPF_CHATTER)
    return (record.levelno == logging.WARNING and record.name.startswith("kopf.")
            and _KOPF_EXPECTED.fullmatch(record.getMessage()) is not None)


class _OspreyHandler(logging.StreamHandler[TextIO]):
    """Writes records at or above `threshold`, Kopf's chatter demoted to DEBUG first.

    Marks the handler this module installs, so a second configuration replaces it.
    """

    def __init__(self, stream: TextIO, threshold: int) -> None:
        super().__init__(stream)
        self.threshold = threshold

    def handle(self, record: logging.LogRecord) -> bool:
        if _is_kopf_chatter(record):
            record = copy.copy(record)  # other handlers (pytest's) see the record unchanged
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        if record.levelno < self.threshold:
            return False
        return super().handle(record)


def configure_logging(
    level: str = "info", fmt: str = "logfmt", stream: TextIO | None = None
) -> None:
    """Send every log record (Osprey's, Kopf's, libraries') to `stream` as structured lines.

    `level` is one of debug, info, warning, error, critical; `fmt` is logfmt or json. Calling it
    again replaces the previous configuration. Raises ValueError naming the bad option.
    """
    level_name = level.lower()
    if level_name not in LEVELS:
        raise ValueError(f"--log-level must be one of {', '.join(LEVELS)}; got {level!r}")
    fmt_name = fmt.lower()
    if fmt_name not in FORMATS:
        raise ValueError(f"--log-format must be one of {', '.join(FORMATS)}; got {fmt!r}")

    numeric = logging.getLevelName(level_name.upper())
    handler = _OspreyHandler(stream if stream is not None else sys.stderr, numeric)
    handler.setFormatter(JsonFormatter() if fmt_name == "json" else LogfmtFormatter())
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _OspreyHandler)]
    root.addHandler(handler)
    root.setLevel(numeric)

    for name in _BODY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)
    for name in _DUPLICATING_LOGGERS:
        logging.getLogger(name).setLevel(numeric if numeric <= logging.DEBUG else logging.ERROR)


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields of one record in output order: time, level, logger, object, msg, extras."""
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "level": record.levelname.lower(),
        "logger": record.name,
    }
    ref = getattr(record, "k8s_ref", None)
    if isinstance(ref, dict):
        for key in ("kind", "namespace", "name"):
            if ref.get(key):
                fields[key] = ref[key]
    fields["msg"] = record.getMessage()
    for key, value in vars(record).items():
        if key not in _RECORD_ATTRS and key not in _KOPF_ATTRS and key not in fields:
            fields[key] = value
    if record.exc_info and record.exc_info[1] is not None:
        fields["error"] = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        fields["stack"] = logging.Formatter().formatException(record.exc_info)
    return fields


class _RedactingFormatter(logging.Formatter):
    """Masks known secrets in each field (before quoting escapes a newline or a quote in
    one) and again in the line (an object's text rendered by `default=str`)."""

    def format(self, record: logging.LogRecord) -> str:
        secrets = _known_secrets()
        return redact(self.line(redact_strings(record_fields(record), secrets)), secrets)

    def line(self, fields: dict[str, Any]) -> str:
        raise NotImplementedError


class LogfmtFormatter(_RedactingFormatter):
    """`time=... level=info logger=osprey msg="..." key=value`, one line per record."""

    def line(self, fields: dict[str, Any]) -> str:
        return " ".join(f"{key}={_logfmt_value(value)}" for key, value in fields.items())


class JsonFormatter(_RedactingFormatter):
    """One JSON object per record, with the same fields as the logfmt output."""

    def line(self, fields: dict[str, Any]) -> str:
        return json.dumps(fields, default=str, ensure_ascii=False)


def _logfmt_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and not any(c in text for c in ' "=\\') and text.isprintable():
        return text
    return json.dumps(text, ensure_ascii=False)
