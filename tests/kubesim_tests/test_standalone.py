"""`python -m tests.kubesim serve`: a simulator for debugging by hand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.kubesim.harness import BIN_DIR, REPO_ROOT


def test_serve_writes_a_kubeconfig_that_kubectl_can_use(tmp_path: Path) -> None:
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
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "KUBECACHEDIR": str(tmp_path / "c")}
        result = subprocess.run(
            [str(BIN_DIR / "kubectl"), "get", "namespace", "default", "-o", "name"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.stdout.strip() == "namespace/default", result.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
