"""What kube-apiserver fills in or drops on a write: pod template defaults, Pod admission,
Job selectors, null-valued fields; and the ConfigMap every namespace gets."""

from __future__ import annotations

import json

import yaml

from .support import APPLY, MERGE, Http, deployment, wait_for


def ok(result) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def apply(kube, namespace: str, *objects: dict) -> None:
    ok(kube.kubectl("apply", "-n", namespace, "-f", "-", input=yaml.safe_dump_all(objects)))


def get(kube, namespace: str, what: str) -> dict:
    return json.loads(ok(kube.kubectl("get", what, "-n", namespace, "-o", "json")))


def template(labels: dict, restart: str | None = None, image: str = "app:1") -> dict:
    spec: dict = {"containers": [{"name": "app", "image": image}]}
    if restart:
        spec["restartPolicy"] = restart
    return {"metadata": {"labels": labels}, "spec": spec}


def workloads() -> list[dict]:
    labels = {"app": "w"}
    selector = {"matchLabels": labels}
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "w"},
            "spec": {"selector": selector, "template": template(labels)},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "w"},
            "spec": {"selector": selector, "serviceName": "w", "template": template(labels)},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "w"},
            "spec": {"selector": selector, "template": template(labels)},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "w"},
            "spec": {"template": template(labels, "OnFailure")},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "w"},
            "spec": {
                "schedule": "0 * * * *",
                "jobTemplate": {"spec": {"template": template(labels, "Never")}},
            },
        },
    ]


def pod_spec_of(obj: dict) -> dict:
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def test_pod_templates_of_every_workload_kind_get_kube_apiserver_defaults(
    kube, namespace: str
) -> None:
    apply(kube, namespace, *workloads())
    for kind in ("deployment", "statefulset", "daemonset", "job", "cronjob"):
        spec = pod_spec_of(get(kube, namespace, f"{kind}/w"))
        container = spec["containers"][0]
        assert {k: container[k] for k in container if k not in ("name", "image")} == {
            "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "resources": {},
        }, kind
        assert spec["dnsPolicy"] == "ClusterFirst", kind
        assert spec["schedulerName"] == "default-scheduler", kind
        assert spec["securityContext"] == {}, kind
        assert spec["terminationGracePeriodSeconds"] == 30, kind
        assert spec["restartPolicy"] == {"job": "OnFailure", "cronjob": "Never"}.get(
            kind, "Always"
        ), kind


def test_untagged_and_latest_images_are_always_pulled(http: Http, namespace: str) -> None:
    body = deployment("pull")
    body["spec"]["template"]["spec"]["containers"] = [
        {"name": "a", "image": "registry.local:5000/app"},
        {"name": "b", "image": "app:latest"},
        {"name": "c", "image": "app@sha256:" + "0" * 64},
        {"name": "d", "image": "app:2025.1"},
    ]
    created = http.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", body).json()
    policies = [c["imagePullPolicy"] for c in created["spec"]["template"]["spec"]["containers"]]
    assert policies == ["Always", "Always", "IfNotPresent", "IfNotPresent"]


def test_ports_probes_volumes_and_field_refs_are_defaulted(http: Http, namespace: str) -> None:
    body = deployment("details")
    spec = body["spec"]["template"]["spec"]
    spec["containers"][0].update(
        {
            "readinessProbe": {"httpGet": {"port": 8080}},
            "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        }
    )
    spec["volumes"] = [
        {"name": "etc", "secret": {"secretName": "etc"}},
        {"name": "cfg", "configMap": {"name": "cfg"}},
        {"name": "scratch"},
    ]
    created = http.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", body).json()
    spec = created["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert container["readinessProbe"] == {
        "httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert container["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    assert spec["volumes"] == [
        {"name": "etc", "secret": {"secretName": "etc", "defaultMode": 420}},
        {"name": "cfg", "configMap": {"name": "cfg", "defaultMode": 420}},
        {"name": "scratch", "emptyDir": {}},
    ]


def test_statefulset_claim_templates_are_typed_and_defaulted_like_claims(
    http: Http, namespace: str
) -> None:
    claim = {
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    body = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {
            "selector": {"matchLabels": {"app": "db"}},
            "serviceName": "db",
            "template": template({"app": "db"}),
            "volumeClaimTemplates": [claim],
        },
    }
    created = http.post(f"/apis/apps/v1/namespaces/{namespace}/statefulsets", body).json()
    assert created["spec"]["volumeClaimTemplates"] == [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Pending"},
        }
    ]


def test_a_job_gets_a_selector_on_its_uid_and_its_pods_the_matching_labels(
    http: Http, namespace: str
) -> None:
    body = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "sync"},
        "spec": {"template": template({"app": "sync"}, "Never")},
    }
    job = http.post(f"/apis/batch/v1/namespaces/{namespace}/jobs", body).json()
    uid = job["metadata"]["uid"]
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert job["spec"]["template"]["metadata"]["labels"] == {
        "app": "sync",
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": "sync",
        "controller-uid": uid,
        "job-name": "sync",
    }
    # A Job without labels of its own takes its template's (SetDefaults_Job).
    assert job["metadata"]["labels"] == {"app": "sync"}
    assert (job["spec"]["parallelism"], job["spec"]["completions"]) == (1, 1)
    assert job["spec"]["podReplacementPolicy"] == "TerminatingOrFailed"


def test_a_job_template_that_would_restart_always_is_rejected(http: Http, namespace: str) -> None:
    body = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "bad"},
        "spec": {"template": template({"app": "bad"})},
    }
    response = http.post(f"/apis/batch/v1/namespaces/{namespace}/jobs", body)
    assert response.status_code == 422
    assert response.json()["message"] == (
        'Job.batch "bad" is invalid: spec.template.spec.restartPolicy: Unsupported value: '
        '"Always": supported values: "OnFailure", "Never"'
    )


def test_a_selector_that_does_not_match_the_template_is_rejected(
    http: Http, namespace: str
) -> None:
    body = deployment("mismatch")
    body["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    response = http.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", body)
    assert response.status_code == 422
    cause = response.json()["details"]["causes"][0]
    assert cause["field"] == "spec.template.metadata.labels"
    assert cause["message"] == (
        'Invalid value: map[string]string{"app":"mismatch"}: '
        "`selector` does not match template `labels`"
    )


def test_pods_get_what_admission_adds(http: Http, namespace: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bare"},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "image": "c:1",
                    "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                }
            ]
        },
    }
    created = http.post(f"/api/v1/namespaces/{namespace}/pods", pod).json()
    spec = created["spec"]
    assert spec["serviceAccountName"] == "default"
    assert (spec["priority"], spec["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    assert spec["enableServiceLinks"] is True
    assert spec["containers"][0]["resources"]["requests"] == {"cpu": "1", "memory": "1Gi"}
    assert {(t["key"], t["effect"], t["tolerationSeconds"]) for t in spec["tolerations"]} == {
        ("node.kubernetes.io/not-ready", "NoExecute", 300),
        ("node.kubernetes.io/unreachable", "NoExecute", 300),
    }
    assert created["status"] == {"phase": "Pending", "qosClass": "Guaranteed"}


def test_null_fields_of_a_created_object_are_dropped(http: Http, namespace: str) -> None:
    body = deployment("nulls")
    body["metadata"]["annotations"] = None
    body["metadata"]["labels"]["empty"] = None
    body["spec"]["template"]["spec"]["nodeSelector"] = None
    created = http.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", body).json()
    assert "annotations" not in created["metadata"]
    # A null in a map of strings decodes to the empty string, as in Go.
    assert created["metadata"]["labels"] == {"app": "nulls", "empty": ""}
    assert "nodeSelector" not in created["spec"]["template"]["spec"]


def test_null_in_a_merge_patch_removes_the_field(http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps/m"
    http.post(
        f"/api/v1/namespaces/{namespace}/configmaps",
        {"metadata": {"name": "m", "annotations": {"a": "1"}}, "data": {"k": "v"}},
    )
    patched = http.patch(path, {"metadata": {"annotations": None}, "data": {"k": None}}, MERGE)
    assert "annotations" not in patched.json()["metadata"]
    assert "k" not in (patched.json().get("data") or {})


def test_null_in_an_applied_configuration_is_not_stored(http: Http, namespace: str) -> None:
    config = deployment("applied")
    config["metadata"]["annotations"] = None
    config["spec"]["template"]["metadata"]["annotations"] = None
    response = http.patch(
        f"/apis/apps/v1/namespaces/{namespace}/deployments/applied",
        json.dumps(config),
        APPLY,
        fieldManager="helm",
    )
    assert response.status_code == 201, response.text
    obj = response.json()
    assert "annotations" not in obj["metadata"]
    assert "annotations" not in obj["spec"]["template"]["metadata"]


def test_null_metadata_of_a_custom_resource_is_dropped(
    http: Http, namespace: str, widgets: str
) -> None:
    body = {
        "apiVersion": "kubesim.test/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "annotations": None, "labels": None},
        "spec": {"size": "small"},
    }
    created = http.post(f"{widgets}/namespaces/{namespace}/widgets", body).json()
    assert "annotations" not in created["metadata"] and "labels" not in created["metadata"]


def test_every_namespace_gets_the_kube_root_ca_configmap(kube, namespace: str) -> None:
    listed = json.loads(
        ok(
            kube.kubectl(
                "get",
                "configmaps",
                "-A",
                "--field-selector",
                "metadata.name=kube-root-ca.crt",
                "-o",
                "json",
            )
        )
    )
    have = {i["metadata"]["namespace"] for i in listed["items"]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease", namespace} <= have
    configmap = get(kube, namespace, "configmap/kube-root-ca.crt")
    assert configmap["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----\n")
    assert "kubernetes.io/description" in configmap["metadata"]["annotations"]


def test_a_deleted_kube_root_ca_configmap_is_published_again(http: Http, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps/kube-root-ca.crt"
    original = http.get(path).json()
    assert http.delete(path).status_code == 200
    again = wait_for(lambda: (r := http.get(path)).status_code == 200 and r.json())
    assert again["metadata"]["uid"] != original["metadata"]["uid"]
    assert again["data"] == original["data"]
