"""The real helm 4 binary against the cluster: install, upgrade, rollback, uninstall."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

CHART = str(Path(__file__).parent / "charts" / "demo")


def ok(result) -> str:
    assert result.returncode == 0, (
        f"{result.args}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result.stdout


def test_helm_release_lifecycle(kube, namespace: str) -> None:
    ns = ["-n", namespace]
    ok(kube.helm("install", "demo", CHART, *ns, "--wait", "--wait-for-jobs", "--timeout", "60s"))
    releases = json.loads(ok(kube.helm("list", *ns, "-o", "json")))
    assert [(r["name"], r["status"], r["revision"]) for r in releases] == [
        ("demo", "deployed", "1")
    ]
    jobs = json.loads(ok(kube.kubectl("get", "jobs", *ns, "-o", "json")))["items"]
    assert {j["metadata"]["name"] for j in jobs} == {"demo-db-init", "demo-db-sync"}
    assert all(c["type"] != "Failed" for j in jobs for c in j["status"].get("conditions", []))

    ok(
        kube.helm(
            "upgrade",
            "demo",
            CHART,
            *ns,
            "--set",
            "greeting=bonjour",
            "--set",
            "replicas=2",
            "--wait",
            "--wait-for-jobs",
            "--timeout",
            "60s",
        )
    )
    assert yaml.safe_load(ok(kube.helm("get", "values", "demo", *ns, "-o", "yaml"))) == {
        "greeting": "bonjour",
        "replicas": 2,
    }
    config = json.loads(ok(kube.kubectl("get", "configmap", "demo-etc", *ns, "-o", "json")))
    assert config["data"] == {"greeting": "bonjour"}
    deploy = json.loads(ok(kube.kubectl("get", "deployment", "demo-api", *ns, "-o", "json")))
    assert deploy["spec"]["replicas"] == 2 and deploy["status"]["readyReplicas"] == 2

    ok(kube.helm("rollback", "demo", "1", *ns, "--wait", "--timeout", "60s"))
    config = json.loads(ok(kube.kubectl("get", "configmap", "demo-etc", *ns, "-o", "json")))
    assert config["data"] == {"greeting": "hello"}
    status = json.loads(ok(kube.helm("status", "demo", *ns, "-o", "json")))
    assert status["version"] == 3 and status["info"]["status"] == "deployed"

    ok(kube.helm("uninstall", "demo", *ns, "--wait", "--timeout", "60s"))
    assert json.loads(ok(kube.helm("list", *ns, "-o", "json"))) == []
    left = json.loads(
        ok(kube.kubectl("get", "deployments,services,configmaps,secrets", *ns, "-o", "json"))
    )
    assert [i["metadata"]["name"] for i in left["items"]] == ["kube-root-ca.crt"]


def test_helm_install_waits_for_workloads_and_hook_jobs(kube, sim, namespace: str) -> None:
    sim.workload_delay = 0.5
    sim.job_delay = 0.3
    began = time.monotonic()
    ok(
        kube.helm(
            "install",
            "slow",
            CHART,
            "-n",
            namespace,
            "--wait",
            "--wait-for-jobs",
            "--timeout",
            "60s",
        )
    )
    # pre-install hook, then workloads, then the post-install hook: all waited for.
    assert time.monotonic() - began >= 0.3 + 0.5 + 0.3


def test_helm_install_fails_when_a_hook_job_fails(kube, sim, namespace: str) -> None:
    sim.faults.fail_jobs(r"^broken-db-sync$")
    result = kube.helm(
        "install", "broken", CHART, "-n", namespace, "--wait", "--wait-for-jobs", "--timeout", "30s"
    )
    assert result.returncode != 0
    assert "broken-db-sync" in result.stderr
    releases = json.loads(ok(kube.helm("list", "-n", namespace, "--failed", "-o", "json")))
    assert [(r["name"], r["status"]) for r in releases] == [("broken", "failed")]


@pytest.mark.parametrize("flag", ["--server-side=false"])
def test_helm_client_side_apply_upgrade_also_works(kube, namespace: str, flag: str) -> None:
    ok(kube.helm("install", "csa", CHART, "-n", namespace, flag, "--wait", "--timeout", "60s"))
    ok(
        kube.helm(
            "upgrade",
            "csa",
            CHART,
            "-n",
            namespace,
            flag,
            "--set",
            "greeting=hi",
            "--wait",
            "--timeout",
            "60s",
        )
    )
    config = json.loads(
        ok(kube.kubectl("get", "configmap", "csa-etc", "-n", namespace, "-o", "json"))
    )
    assert config["data"] == {"greeting": "hi"}
