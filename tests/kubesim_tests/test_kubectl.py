"""The real kubectl binary: apply (client- and server-side), get, wait, delete."""

from __future__ import annotations

import json

import yaml

from .support import WIDGET_CRD, deployment, widget


def ok(result) -> str:
    assert result.returncode == 0, (
        f"{result.args}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result.stdout


def manifest(obj: dict) -> str:
    return yaml.safe_dump(obj)


def test_kubectl_apply_get_wait_delete_a_deployment(kube, namespace: str) -> None:
    ns = ["-n", namespace]
    ok(kube.kubectl("apply", *ns, "-f", "-", input=manifest(deployment("web", replicas=2))))
    changed = deployment("web", replicas=2, image="app:2")
    ok(kube.kubectl("apply", *ns, "-f", "-", input=manifest(changed)))
    live = json.loads(ok(kube.kubectl("get", "deployment", "web", *ns, "-o", "json")))
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "app:2"
    assert live["metadata"]["generation"] == 2
    ok(kube.kubectl("wait", *ns, "--for=condition=Available", "deployment/web", "--timeout=20s"))
    header, row = ok(kube.kubectl("get", "deployment", "web", *ns)).splitlines()
    assert header.split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row.split()[:4] == ["web", "2/2", "2", "2"]
    ok(kube.kubectl("delete", *ns, "deployment", "web", "--wait=true", "--timeout=20s"))
    assert "NotFound" in kube.kubectl("get", "deployment", "web", *ns).stderr


def test_kubectl_server_side_apply_and_conflicts(kube, namespace: str) -> None:
    ns = ["-n", namespace]
    body = manifest(deployment("ssa"))
    assert "serverside-applied" in ok(
        kube.kubectl("apply", "--server-side", *ns, "-f", "-", input=body)
    )
    other = manifest(deployment("ssa", image="other:1"))
    clash = kube.kubectl(
        "apply", "--server-side", "--field-manager=intruder", *ns, "-f", "-", input=other
    )
    assert clash.returncode != 0 and "conflict" in clash.stderr.lower()
    ok(
        kube.kubectl(
            "apply",
            "--server-side",
            "--field-manager=intruder",
            "--force-conflicts",
            *ns,
            "-f",
            "-",
            input=other,
        )
    )
    live = json.loads(ok(kube.kubectl("get", "deployment", "ssa", *ns, "-o", "json")))
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "other:1"


def test_kubectl_works_with_custom_resources(kube, sim, namespace: str) -> None:
    ns = ["-n", namespace]
    ok(kube.kubectl("apply", "-f", "-", input=manifest(WIDGET_CRD)))
    try:
        ok(
            kube.kubectl(
                "wait", "--for=condition=Established", "crd/widgets.kubesim.test", "--timeout=10s"
            )
        )
        ok(kube.kubectl("apply", *ns, "-f", "-", input=manifest(widget("w1"))))
        rejected = kube.kubectl("apply", *ns, "-f", "-", input=manifest(widget("w2", replicas=-1)))
        assert rejected.returncode != 0
        assert "spec.replicas in body should be greater than or equal to 0" in rejected.stderr
        ok(
            kube.kubectl(
                "patch",
                "widget",
                "w1",
                *ns,
                "--subresource=status",
                "--type=merge",
                "-p",
                '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
            )
        )
        ok(kube.kubectl("wait", *ns, "--for=condition=Ready", "widget/w1", "--timeout=10s"))
        header, row = ok(kube.kubectl("get", "wd", *ns)).splitlines()
        # The CRD's own columns only: kube adds Age to CRDs that declare none.
        assert header.split() == ["NAME", "SIZE", "READY"]
        assert row.split()[:3] == ["w1", "small", "True"]
        ok(kube.kubectl("delete", "widget", "w1", *ns))
    finally:
        ok(kube.kubectl("delete", "crd", "widgets.kubesim.test", "--wait=true", "--timeout=20s"))


GADGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.kubesim.test"},
    "spec": {
        "group": "kubesim.test",
        "scope": "Namespaced",
        "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
                "additionalPrinterColumns": [
                    {"name": "Phase", "type": "string", "jsonPath": ".spec.phase"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                    {"name": "Owner", "type": "string", "jsonPath": ".spec.owner", "priority": 1},
                ],
            }
        ],
    },
}


def test_printer_columns_print_age_once_and_priority_columns_only_wide(
    kube, namespace: str
) -> None:
    ok(kube.kubectl("apply", "-f", "-", input=manifest(GADGET_CRD)))
    try:
        ok(
            kube.kubectl(
                "wait", "--for=condition=Established", "crd/gadgets.kubesim.test", "--timeout=10s"
            )
        )
        gadget = {
            "apiVersion": "kubesim.test/v1",
            "kind": "Gadget",
            "metadata": {"name": "g"},
            "spec": {"phase": "Ready", "owner": "ops"},
        }
        ok(kube.kubectl("apply", "-n", namespace, "-f", "-", input=manifest(gadget)))
        header, row = ok(kube.kubectl("get", "gadgets", "-n", namespace)).splitlines()
        assert header.split() == ["NAME", "PHASE", "AGE"]
        assert row.split()[:2] == ["g", "Ready"]
        wide, wide_row = ok(
            kube.kubectl("get", "gadgets", "-n", namespace, "-o", "wide")
        ).splitlines()
        assert wide.split() == ["NAME", "PHASE", "AGE", "OWNER"]
        assert wide_row.split()[-1] == "ops"
    finally:
        ok(kube.kubectl("delete", "crd", "gadgets.kubesim.test", "--wait=true", "--timeout=20s"))


def test_workloads_show_containers_images_and_selector_only_wide(kube, namespace: str) -> None:
    ok(kube.kubectl("apply", "-n", namespace, "-f", "-", input=manifest(deployment("w"))))
    header = ok(kube.kubectl("get", "deployment", "w", "-n", namespace)).splitlines()[0]
    assert header.split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    wide = ok(kube.kubectl("get", "deployment", "w", "-n", namespace, "-o", "wide")).splitlines()
    assert wide[0].split() == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    assert wide[1].split()[-3:] == ["app", "app:1", "app=w"]
