"""`make demo`, the README's first command, converges its sample on the simulated cluster it
starts (with short simulator delays, as a user can pass them)."""

from __future__ import annotations

import os
import signal
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


def test_the_demo_says_why_a_pod_waits_on_a_cluster_too_small_for_its_sample():
    """The sample's two memcached replicas want a host each: on one node the second pod is
    unschedulable, and the demo prints the scheduler's reason from the service's status."""
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["PATH"] = f"{ROOT / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    demo = subprocess.Popen(
        [sys.executable, str(ROOT / "hack" / "demo.py"), "--nodes", "1", "--timeout", "300",
         "--workload-delay", "0.2", "--job-delay", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    try:
        for line in demo.stdout:
            seen.append(line.rstrip())
            told = " ".join(" ".join(seen).split()).partition("memcached waits:")[2]
            if told.endswith("rules"):  # the whole reason, however wrapped
                break
    finally:
        demo.send_signal(signal.SIGINT)  # Ctrl-C: how a user ends the demo early
        rest, _ = demo.communicate(timeout=120)
    output = " ".join(" ".join(seen + rest.splitlines()).split())
    assert "memcached waits: StatefulSet/memcached-memcached has 1/2 replicas ready: pod " \
           "memcached-memcached-1 unschedulable: 0/1 nodes are available: 1 node(s) didn't " \
           "match pod anti-affinity rules" in output, "\n".join(seen)
    assert demo.returncode == 0, output
