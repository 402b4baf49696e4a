"""Structured log lines for Osprey's and Kopf's records."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import kopf
import pytest

from osprey.logging import configure_logging


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """Restore the root logger's handlers and level after each test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield io.StringIO()
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def kopf_object_logger() -> logging.LoggerAdapter:
    body = kopf.Body({
        "apiVersion": "osprey.dev/v1alpha1", "kind": "OpenStackControlPlane",
        "metadata": {"namespace": "cloud", "name": "main", "uid": "u-1"},
    })
    return kopf.LocalObjectLogger(body=body, settings=kopf.OperatorSettings())


def test_logfmt_line_has_time_level_logger_and_message(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    logging.getLogger("osprey.test").info("release %s installed", "keystone")
    [line] = lines(stream)
    assert line.startswith("time=")
    assert ' level=info logger=osprey.test msg="release keystone installed"' in line


def test_logfmt_renders_extra_fields_as_keys(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    logging.getLogger("osprey").info("upgraded", extra={"release": "nova", "revision": 3})
    [line] = lines(stream)
    assert line.endswith("msg=upgraded release=nova revision=3")


def test_logfmt_quotes_values_with_spaces_quotes_and_newlines(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    logging.getLogger("osprey").info('say "hi"\nthere')
    [line] = lines(stream)
    assert line.endswith(r'msg="say \"hi\"\nthere"')


def test_json_format_writes_one_object_per_line(stream: io.StringIO) -> None:
    configure_logging("info", "json", stream=stream)
    logging.getLogger("osprey").warning("slow", extra={"seconds": 1.5})
    [line] = lines(stream)
    record = json.loads(line)
    assert record["level"] == "warning"
    assert record["msg"] == "slow"
    assert record["seconds"] == 1.5


def test_kopf_object_records_carry_kind_namespace_and_name(stream: io.StringIO) -> None:
    configure_logging("info", "json", stream=stream)
    kopf_object_logger().warning("Handler 'control_plane_loop' failed temporarily.")
    [line] = lines(stream)
    record = json.loads(line)
    assert (record["kind"], record["namespace"], record["name"]) == (
        "OpenStackControlPlane", "cloud", "main"
    )
    assert record["logger"] == "kopf.objects"
    assert not {"k8s_ref", "k8s_skip", "settings"} & record.keys()


def test_exceptions_stay_on_one_line_with_error_and_stack(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    try:
        raise RuntimeError("helm exploded")
    except RuntimeError:
        logging.getLogger("osprey").exception("pass failed")
    [line] = lines(stream)
    assert 'error="RuntimeError: helm exploded"' in line
    assert "stack=\"Traceback" in line


def test_level_filters_lower_records(stream: io.StringIO) -> None:
    configure_logging("warning", "logfmt", stream=stream)
    logging.getLogger("osprey").info("hidden")
    logging.getLogger("osprey").warning("shown")
    assert [line.split("msg=")[1] for line in lines(stream)] == ["shown"]


def test_kubernetes_client_body_logs_stay_hidden_at_debug(stream: io.StringIO) -> None:
    configure_logging("debug", "logfmt", stream=stream)
    logging.getLogger("kubernetes.client.rest").debug("response body: {'data': {'password'}}")
    logging.getLogger("urllib3.connectionpool").debug("https://api:443 GET /api/v1/secrets")
    assert lines(stream) == []


def test_configuring_twice_replaces_the_handler(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    configure_logging("info", "json", stream=stream)
    logging.getLogger("osprey").info("once")
    assert len(lines(stream)) == 1


def test_unknown_level_names_the_option() -> None:
    with pytest.raises(ValueError, match="--log-level"):
        configure_logging("verbose", "logfmt")


def test_unknown_format_names_the_option() -> None:
    with pytest.raises(ValueError, match="--log-format"):
        configure_logging("info", "xml")


def test_kopf_handler_successes_are_debug_not_info(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    kopf_object_logger().info("Handler '_wake_namespace' succeeded.")
    kopf_object_logger().info("Creation is processed: 1 succeeded; 0 failed.")
    assert lines(stream) == []


def test_kopf_handler_successes_show_at_debug(stream: io.StringIO) -> None:
    configure_logging("debug", "logfmt", stream=stream)
    kopf_object_logger().info("Handler '_wake_namespace' succeeded.")
    [line] = lines(stream)
    assert " level=debug logger=kopf.objects " in line


def test_kopf_activity_chatter_is_debug_not_info(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    logging.getLogger("kopf.activities.startup").info("Activity 'configure' succeeded.")
    logging.getLogger("kopf._core.engines.activities").info("Initial authentication has finished.")
    assert lines(stream) == []


def test_kopf_warnings_keep_their_level(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    kopf_object_logger().warning("Patching failed with inconsistencies.")
    [line] = lines(stream)
    assert " level=warning logger=kopf.objects " in line


def test_kopf_operator_notices_stay_info(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    logging.getLogger("kopf._core.reactor.running").info(
        "Signal SIGINT is received. Operator is stopping.")
    assert len(lines(stream)) == 1


def test_a_daemon_cancelled_as_the_operator_stops_is_not_a_warning(stream: io.StringIO) -> None:
    configure_logging("info", "logfmt", stream=stream)
    kopf_object_logger().warning("Daemon 'control_plane_loop' is cancelled. Will escalate.")
    kopf_object_logger().warning("Daemon 'control_plane_loop' did not exit in time. "
                                 "Leaving it orphaned.")
    [line] = lines(stream)
    assert "did not exit in time" in line


def test_kopf_running_in_a_thread_is_not_a_warning(stream: io.StringIO) -> None:
    configure_logging("warning", "logfmt", stream=stream)
    logging.getLogger("kopf._core.reactor.running").warning(
        "OS signals are ignored: running not in the main thread.")
    assert lines(stream) == []


def test_demoting_kopf_chatter_leaves_other_handlers_the_record_as_logged(
    stream: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("info", "logfmt", stream=stream)
    with caplog.at_level(logging.INFO):
        kopf_object_logger().info("Handler '_wake_namespace' succeeded.")
    assert [r.levelname for r in caplog.records] == ["INFO"]
