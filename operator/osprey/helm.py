"""The Helm port: what the reconciler asks of Helm, and the adapter that drives the helm binary.

Only pyhelm3's low-level `Command` is used: its `Client.ensure_release` uninstalls releases
stuck in pending-install, which would destroy MariaDB's or RabbitMQ's data. Values travel on
stdin as JSON, so no secret ever appears on a command line or in a log.

Every helm process runs in a process group of its own under an outer deadline: helm's
`--timeout` bounds each wait (one per hook Job), not the whole run, and a request to a stalled
API server has no timeout at all; at the deadline the group is killed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shlex
import signal
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pyhelm3 import Command
from pyhelm3 import errors as helm_errors

from osprey.helm_plugin import plugins_path, post_renderer_args, write_plugin
from osprey.metrics import Metrics
from osprey.releases import load_manifest
from osprey.versions import VersionPin

log = logging.getLogger(__name__)

# OpenStack-Helm's hook Jobs (db-init, db-sync, ks-*) routinely outlast Helm's 5 minute default.
DEFAULT_TIMEOUT = "20m"
HISTORY_MAX = 10
# After SIGTERM (operator shutdown), how long helm may take to record its outcome.
TERMINATE_GRACE_SECONDS = 10.0

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?)(h|ms|m|s)")
_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(text: str) -> float:
    """Seconds of a Go duration as helm's --timeout takes it ("20m", "1h30m", "90s")."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"helm timeout {text!r} is not a duration such as 20m, 1h30m or 90s")
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def deadline_for(timeout: str, override: float | None = None) -> float:
    """The outer deadline of one helm process: `override`, else twice helm's own timeout.

    Helm's --timeout applies to each wait, so an upgrade whose hooks each take a while
    legitimately runs longer than it; twice the timeout only ends a helm that hangs.
    """
    return override if override is not None else 2 * parse_duration(timeout)


@dataclass(frozen=True)
class ChartRef:
    """Where one chart comes from: a Helm repository, an OCI registry or a local directory.

    `version` is the pin as written: a release line (`2025.1`) or a version (`2025.1.3`).
    """

    name: str
    version: str
    repository: str

    @property
    def is_local(self) -> bool:
        return self.repository.startswith("/")

    @property
    def is_oci(self) -> bool:
        return self.repository.startswith("oci://")

    @property
    def pin(self) -> VersionPin:
        return VersionPin.parse(self.version)

    def helm_args(self) -> tuple[str, str | None, str | None]:
        """(chart reference, --repo, --version) as `helm upgrade` takes them."""
        if self.is_local:
            return str(Path(self.repository) / self.name), None, None
        version = self.pin.helm_version()
        if self.is_oci:
            return f"{self.repository.rstrip('/')}/{self.name}", None, version
        return self.name, self.repository, version


class HelmError(Exception):
    """A helm operation failed; `message` is Helm's own error, fit for a status field."""

    def __init__(self, operation: str, release: str, message: str):
        self.operation = operation
        self.release = release
        self.message = message
        super().__init__(f"helm {operation} {release}: {message}")


class Helm(Protocol):
    """The Helm operations a reconcile pass may start."""

    async def install_or_upgrade(
        self,
        namespace: str,
        release: str,
        chart: ChartRef,
        values: Mapping[str, Any],
        *,
        labels: Mapping[str, str] | None = None,
        pull_secrets: Sequence[str] = (),
    ) -> None:
        """helm upgrade --install; every pod template pulls with `pull_secrets`."""
        ...

    async def render(
        self, namespace: str, release: str, chart: ChartRef, values: Mapping[str, Any],
        *, shared: bool = False, pull_secrets: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        """The objects an upgrade would apply, hooks left out (`helm template`); with
        `shared`, only the cluster-shared objects the release leaves out (clusterscope)."""
        ...

    async def rollback(self, namespace: str, release: str, revision: int) -> None: ...

    async def uninstall(self, namespace: str, release: str, *, hooks: bool = True) -> None:
        """`hooks=False` runs no pre/post-delete hook (they may delete data)."""
        ...


class DeadlineExceeded(Exception):
    """A helm process outlived its deadline and was killed."""


def _short_error(exc: helm_errors.Error) -> str:
    lines = [line for line in exc.stderr.decode(errors="replace").splitlines() if line.strip()]
    text = lines[-1] if lines else f"exit code {exc.returncode}"
    return text.removeprefix("Error: ")[:500]


def _signal_group(proc: asyncio.subprocess.Process, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass  # already gone: what we wanted


async def _reap(proc: asyncio.subprocess.Process) -> None:
    """Wait for a killed helm and drain its pipes, so that nothing of it outlives this loop."""
    try:
        await asyncio.wait_for(proc.communicate(), TERMINATE_GRACE_SECONDS)
    except (TimeoutError, ValueError, OSError):
        pass  # its output is of no use any more; the process itself is gone


class _GroupedCommand(Command):
    """pyhelm3's Command, its processes run without a shell, each in its own process group
    (so that killing it kills what it started) and under an outer deadline."""

    def __init__(self, *, deadline: float, kubeconfig: Path | None,
                 env: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(kubeconfig=kubeconfig, **kwargs)
        self._deadline = deadline
        self._kubeconfig_path = kubeconfig
        self._env = dict(env) if env is not None else None

    async def run(self, command: list[Any], input: bytes | None = None) -> bytes:
        argv = [self._executable, *(str(part) for part in command)]
        if self._kubeconfig_path:
            argv += ["--kubeconfig", str(self._kubeconfig_path)]
        log.debug("running helm: %s", shlex.join(argv))
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if input is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            env=self._env,
        )
        try:
            async with asyncio.timeout(self._deadline):
                stdout, stderr = await proc.communicate(input)
        except TimeoutError:
            _signal_group(proc, signal.SIGKILL)
            await _reap(proc)
            raise DeadlineExceeded from None
        except asyncio.CancelledError:
            # Shutting down: let helm record its outcome, briefly, then make sure it is gone.
            _signal_group(proc, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), TERMINATE_GRACE_SECONDS)
            except TimeoutError:
                pass
            finally:
                _signal_group(proc, signal.SIGKILL)
                await _reap(proc)
            raise
        if proc.returncode != 0:
            raise helm_errors.Error(proc.returncode, stdout, stderr)
        return stdout


class HelmBinary:
    """The `Helm` port over the real helm binary, through pyhelm3's `Command`."""

    def __init__(
        self,
        *,
        executable: str = "helm",
        kubeconfig: Path | None = None,
        timeout: str = DEFAULT_TIMEOUT,
        deadline: float | None = None,
        metrics: Metrics | None = None,
    ):
        self.timeout = timeout
        self.deadline = deadline_for(timeout, deadline)
        plugins = plugins_path(write_plugin())
        self._command = _GroupedCommand(
            env={**os.environ, "HELM_PLUGINS": plugins},
            executable=executable,
            kubeconfig=kubeconfig,
            default_timeout=timeout,
            history_max_revisions=HISTORY_MAX,
            deadline=self.deadline,
        )
        self._metrics = metrics or Metrics()

    async def _run(self, operation: str, release: str, chart: str, call: Awaitable) -> None:
        with self._metrics.helm_operation(operation, chart):
            try:
                await call
            except helm_errors.Error as exc:
                raise HelmError(operation, release, _short_error(exc)) from None
            except DeadlineExceeded:
                raise HelmError(operation, release, (
                    f"did not finish within {self.deadline:g}s (helm --timeout {self.timeout}); "
                    "the helm process was killed"
                )) from None

    async def install_or_upgrade(
        self,
        namespace: str,
        release: str,
        chart: ChartRef,
        values: Mapping[str, Any],
        *,
        labels: Mapping[str, str] | None = None,
        pull_secrets: Sequence[str] = (),
    ) -> None:
        """helm upgrade --install. The command is built here: pyhelm3 0.5 cannot pass
        --labels, which Helm stores on the release's storage Secrets."""
        ref, repo, version = chart.helm_args()
        command: list[Any] = [
            "upgrade", release, ref, "--install",
            "--namespace", namespace,
            "--history-max", HISTORY_MAX,
            "--timeout", self.timeout,
            "--values", "-",
            *post_renderer_args(namespace, pull_secrets=pull_secrets),
        ]
        if repo:
            command += ["--repo", repo]
        if version:
            command += ["--version", version]
        if labels:
            command += ["--labels", ",".join(f"{k}={v}" for k, v in labels.items())]
        await self._run("upgrade", release, chart.name,
                        self._command.run(command, json.dumps(dict(values)).encode()))

    async def render(
        self, namespace: str, release: str, chart: ChartRef, values: Mapping[str, Any],
        *, shared: bool = False, pull_secrets: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        ref, repo, version = chart.helm_args()
        command = ["template", release, ref, "--namespace", namespace, "--is-upgrade",
                   "--no-hooks", "--skip-crds", "--values", "-",
                   *post_renderer_args(namespace, shared=shared, pull_secrets=pull_secrets)]
        if repo:
            command += ["--repo", repo]
        if version:
            command += ["--version", version]
        output: list[bytes] = []

        async def template() -> None:
            output.append(await self._command.run(command, json.dumps(dict(values)).encode()))

        await self._run("template", release, chart.name, template())
        # Releases are hundreds of KiB of YAML: parsed off the event loop.
        return list(await asyncio.to_thread(load_manifest, output[0].decode()))

    async def rollback(self, namespace: str, release: str, revision: int) -> None:
        await self._run(
            "rollback",
            release,
            release,
            self._command.rollback(release, revision, namespace=namespace),
        )

    async def uninstall(self, namespace: str, release: str, *, hooks: bool = True) -> None:
        await self._run(
            "uninstall",
            release,
            release,
            self._command.uninstall(release, namespace=namespace, wait=True, no_hooks=not hooks),
        )
