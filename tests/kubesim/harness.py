"""The test harness behind the shared `kube` fixture: one cluster per test session, either
this simulator or the real cluster named by `TEST_KUBECONFIG`, plus helpers that run the
real helm and kubectl binaries against it.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .simulator import Simulator

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = REPO_ROOT / "bin"
TEST_WORKLOAD_DELAY = 0.1
TEST_JOB_DELAY = 0.1


def namespace_prefix(test_name: str) -> str:
    """A DNS-label prefix from a test's name (`test_x[a]` -> `test-x-a`), short enough."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", test_name.lower()).strip("-")
    return cleaned[:40].rstrip("-") or "test"


class Kube:
    """What integration tests get from the `kube` fixture.

    `sim` is the running simulator, or None on a real cluster (`TEST_KUBECONFIG`); tests that
    need the simulator's control surface (delays, faults, pausing controllers) skip then.
    """

    def __init__(self, kubeconfig: Path, sim: Simulator | None, workdir: Path) -> None:
        self.kubeconfig = kubeconfig
        self.sim = sim
        self.workdir = workdir
        self._namespaces: set[str] = set()

    def api_client(self) -> Any:
        """A fresh `kubernetes.client.ApiClient` configured from the kubeconfig."""
        from kubernetes import config

        return config.new_client_from_config(config_file=str(self.kubeconfig))

    def kopf_connection(self) -> Any:
        """`kopf.ConnectionInfo` for this cluster, for a `@kopf.on.login` handler."""
        import kopf
        from kubernetes import client, config

        cfg = client.Configuration()
        config.load_kube_config(config_file=str(self.kubeconfig), client_configuration=cfg)
        token = (cfg.api_key or {}).get("authorization", "").removeprefix("Bearer ") or None
        return kopf.ConnectionInfo(
            server=cfg.host,
            ca_path=cfg.ssl_ca_cert,
            insecure=not cfg.verify_ssl,
            token=token,
            certificate_path=cfg.cert_file,
            private_key_path=cfg.key_file,
        )

    def env(self) -> dict[str, str]:
        """Environment for helm/kubectl: this cluster, and caches private to the session."""
        env = dict(os.environ)
        env.update(
            {
                "KUBECONFIG": str(self.kubeconfig),
                "KUBECACHEDIR": str(self.workdir / "kube-cache"),
                "HELM_CACHE_HOME": str(self.workdir / "helm" / "cache"),
                "HELM_CONFIG_HOME": str(self.workdir / "helm" / "config"),
                "HELM_DATA_HOME": str(self.workdir / "helm" / "data"),
                "PATH": f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}",
            }
        )
        return env

    def _run(
        self, binary: str, args: tuple[str, ...], timeout: float, input: str | None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN_DIR / binary), *args],
            env=self.env(),
            text=True,
            capture_output=True,
            timeout=timeout,
            input=input,
            check=False,
        )

    def helm(
        self, *args: str, timeout: float = 180, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self._run("helm", args, timeout, input)

    def kubectl(
        self, *args: str, timeout: float = 60, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self._run("kubectl", args, timeout, input)

    def new_namespace(self, prefix: str = "test") -> str:
        """Create a namespace `<prefix>-<random>`; it is deleted at session end at the latest."""
        from kubernetes import client

        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        with self.api_client() as api:
            core = client.CoreV1Api(api)
            core.create_namespace({"metadata": {"name": name}})
            self._namespaces.add(name)
            self._wait_for_root_ca(core, name)
        return name

    @staticmethod
    def _wait_for_root_ca(core: Any, namespace: str, timeout: float = 10.0) -> None:
        """A namespace is settled once kube-controller-manager published kube-root-ca.crt in
        it; tests that watch or count ConfigMaps start from there."""
        from kubernetes.client.exceptions import ApiException

        deadline = time.monotonic() + timeout
        while True:
            try:
                core.read_namespaced_config_map("kube-root-ca.crt", namespace)
                return
            except ApiException as exc:
                if exc.status != 404 or time.monotonic() > deadline:
                    raise
            time.sleep(0.01)

    def delete_namespace(self, name: str) -> None:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        with self.api_client() as api:
            try:
                client.CoreV1Api(api).delete_namespace(name)
            except ApiException as exc:
                if exc.status != 404:
                    raise
        self._namespaces.discard(name)

    def cleanup(self) -> None:
        for name in sorted(self._namespaces):
            self.delete_namespace(name)

    def reset_simulator(self) -> None:
        """Undo what a test changed on the simulator's control surface."""
        if self.sim is None:
            return
        self.sim.faults.clear()
        self.sim.workload_delay = TEST_WORKLOAD_DELAY
        self.sim.job_delay = TEST_JOB_DELAY
        for name in self.sim.controllers.enabled:
            self.sim.controllers.enable(name, True)
        self.sim.controllers.resume()
        self.sim.gc.resume()
        self.sim.reset_nodes()


@contextlib.contextmanager
def session(workdir: Path) -> Iterator[Kube]:
    """One cluster for the test session: TEST_KUBECONFIG if set, else a fresh simulator."""
    external = os.environ.get("TEST_KUBECONFIG")
    if external:
        kube = Kube(Path(external), None, workdir)
        try:
            yield kube
        finally:
            kube.cleanup()
        return
    sim = Simulator(
        workload_delay=TEST_WORKLOAD_DELAY, job_delay=TEST_JOB_DELAY, bookmark_interval=0.5
    ).start()
    kube = Kube(sim.write_kubeconfig(workdir / "kubeconfig"), sim, workdir)
    try:
        yield kube
    finally:
        kube.cleanup()
        sim.stop()
