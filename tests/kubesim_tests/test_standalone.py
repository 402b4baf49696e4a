"""`python -m tests.kubesim serve` (`make sim`): a simulator for debugging by hand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kubesim.harness import BIN_DIR, REPO_ROOT

from .test_crd_admission import METADATA_MESSAGE, REFUSED_CRD


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A `serve` process; yields the environment that points kubectl at it."""
    kubeconfig = tmp_path / "kubeconfig"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.kubesim",
            "serve",
            "--kubeconfig",
            str(kubeconfig),
            "--workload-delay",
            "0.05",
            "--job-delay",
            "0.05",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = server.stdout.readline() if server.stdout else ""
        assert banner.startswith("kubesim serving http://127.0.0.1:"), banner
        yield {**os.environ, "KUBECONFIG": str(kubeconfig), "KUBECACHEDIR": str(tmp_path / "c")}
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0


def kubectl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN_DIR / "kubectl"), *args], env=env, capture_output=True,
                          text=True, timeout=30, check=False)


def test_serve_writes_a_kubeconfig_that_kubectl_can_use(served: dict[str, str]) -> None:
    result = kubectl(served, "get", "namespace", "default", "-o", "name")
    assert result.stdout.strip() == "namespace/default", result.stderr


def test_serve_refuses_the_crds_kube_apiserver_refuses(served: dict[str, str]) -> None:
    result = kubectl(served, "apply", "-f", str(REFUSED_CRD))
    assert result.returncode != 0
    assert METADATA_MESSAGE in result.stderr
