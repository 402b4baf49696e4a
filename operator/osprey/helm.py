"""The Helm port: what the reconciler asks of Helm, and the adapter that drives the helm binary.

Only pyhelm3's low-level `Command` is used: its `Client.ensure_release` uninstalls releases
stuck in pending-install, which would destroy MariaDB's or RabbitMQ's data. Values travel on
stdin as JSON, so no secret ever appears on a command line or in a log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pyhelm3 import Command
from pyhelm3 import errors as helm_errors

from osprey.metrics import Metrics
from osprey.releases import load_manifest
from osprey.versions import VersionPin

log = logging.getLogger(__name__)

# OpenStack-Helm's hook Jobs (db-init, db-sync, ks-*) routinely outlast Helm's 5 minute default.
DEFAULT_TIMEOUT = "20m"


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
        self, namespace: str, release: str, chart: ChartRef, values: Mapping[str, Any]
    ) -> None: ...

    async def render(
        self, namespace: str, release: str, chart: ChartRef, values: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """The objects an upgrade would apply, hooks left out (`helm template`)."""
        ...

    async def rollback(self, namespace: str, release: str, revision: int) -> None: ...

    async def uninstall(self, namespace: str, release: str, *, hooks: bool = True) -> None:
        """`hooks=False` runs no pre/post-delete hook (they may delete data)."""
        ...


def _short_error(exc: helm_errors.Error) -> str:
    lines = [line for line in exc.stderr.decode(errors="replace").splitlines() if line.strip()]
    text = lines[-1] if lines else f"exit code {exc.returncode}"
    return text.removeprefix("Error: ")[:500]


class HelmBinary:
    """The `Helm` port over the real helm binary, through pyhelm3's `Command`."""

    def __init__(
        self,
        *,
        executable: str = "helm",
        kubeconfig: Path | None = None,
        timeout: str = DEFAULT_TIMEOUT,
        metrics: Metrics | None = None,
    ):
        self._command = Command(
            executable=executable,
            kubeconfig=kubeconfig,
            default_timeout=timeout,
            history_max_revisions=10,
        )
        self._metrics = metrics or Metrics()

    async def _run(self, operation: str, release: str, chart: str, call: Awaitable) -> None:
        with self._metrics.helm_operation(operation, chart):
            try:
                await call
            except helm_errors.Error as exc:
                raise HelmError(operation, release, _short_error(exc)) from None

    async def install_or_upgrade(
        self, namespace: str, release: str, chart: ChartRef, values: Mapping[str, Any]
    ) -> None:
        ref, repo, version = chart.helm_args()
        await self._run(
            "upgrade",
            release,
            chart.name,
            self._command.install_or_upgrade(
                release,
                ref,
                dict(values),
                namespace=namespace,
                repo=repo,
                version=version,
                create_namespace=False,
            ),
        )

    async def render(
        self, namespace: str, release: str, chart: ChartRef, values: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        ref, repo, version = chart.helm_args()
        command = ["template", release, ref, "--namespace", namespace, "--is-upgrade",
                   "--no-hooks", "--skip-crds", "--values", "-"]
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
