"""`make demo`, the README's first command, converges its sample on the simulated cluster it
starts (with short simulator delays, as a user can pass them)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.docs.runnable import ROOT

pytestmark = pytest.mark.integration


def test_the_demo_brings_its_sample_to_ready_on_the_simulated_cluster():
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["PATH"] = f"{ROOT / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "hack" / "demo.py"), "--timeout", "180",
         "--workload-delay", "0.2", "--job-delay", "0.2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "14/14 ready" in result.stdout
    assert "control plane openstack/openstack Ready in" in result.stdout
