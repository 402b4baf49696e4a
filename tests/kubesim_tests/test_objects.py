"""Object semantics: identity, resourceVersion, concurrency, generation, names, patches."""

from __future__ import annotations

from .support import JSON_PATCH, MERGE, STRATEGIC, Http, configmap, deployment


def cm_path(ns: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/configmaps" + (f"/{name}" if name else "")


def deploy_path(ns: str, name: str = "") -> str:
    return f"/apis/apps/v1/namespaces/{ns}/deployments" + (f"/{name}" if name else "")


def test_create_assigns_uid_timestamp_and_increasing_resource_versions(
    http: Http, namespace: str
) -> None:
    first = http.post(cm_path(namespace), configmap("a")).json()
    second = http.post(cm_path(namespace), configmap("b")).json()
    assert first["metadata"]["uid"] != second["metadata"]["uid"]
    assert first["metadata"]["creationTimestamp"].endswith("Z")
    assert int(second["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])


def test_generate_name_appends_a_random_suffix(http: Http, namespace: str) -> None:
    created = http.post(cm_path(namespace), {"metadata": {"generateName": "job-"}, "data": {}})
    assert created.status_code == 201
    name = created.json()["metadata"]["name"]
    assert name.startswith("job-") and len(name) == len("job-") + 5


def test_create_of_an_existing_name_is_409_already_exists(http: Http, namespace: str) -> None:
    http.post(cm_path(namespace), configmap("dup"))
    again = http.post(cm_path(namespace), configmap("dup"))
    assert again.status_code == 409
    assert again.json()["reason"] == "AlreadyExists"
    assert again.json()["message"] == 'configmaps "dup" already exists'


def test_get_of_a_missing_object_is_404_with_the_apiserver_wording(
    http: Http, namespace: str
) -> None:
    missing = http.get(deploy_path(namespace, "nope"))
    assert missing.status_code == 404
    assert missing.json()["message"] == 'deployments.apps "nope" not found'
    assert missing.json()["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


def test_create_in_a_missing_namespace_is_404(http: Http) -> None:
    response = http.post(cm_path("no-such-namespace"), configmap("x"))
    assert response.status_code == 404
    assert response.json()["message"] == 'namespaces "no-such-namespace" not found'


def test_invalid_name_is_422_with_the_field(http: Http, namespace: str) -> None:
    response = http.post(cm_path(namespace), configmap("Not_Valid"))
    assert response.status_code == 422
    cause = response.json()["details"]["causes"][0]
    assert cause["field"] == "metadata.name"
    assert cause["reason"] == "FieldValueInvalid"


def test_update_with_a_stale_resource_version_is_409_conflict(http: Http, namespace: str) -> None:
    created = http.post(cm_path(namespace), configmap("c")).json()
    fresh = dict(created, data={"a": "2"})
    assert http.put(cm_path(namespace, "c"), fresh).status_code == 200
    stale = dict(created, data={"a": "3"})
    response = http.put(cm_path(namespace, "c"), stale)
    assert response.status_code == 409
    assert response.json()["reason"] == "Conflict"
    assert "the object has been modified" in response.json()["message"]


def test_merge_patch_carrying_a_stale_resource_version_is_409(http: Http, namespace: str) -> None:
    created = http.post(cm_path(namespace), configmap("p")).json()
    http.patch(cm_path(namespace, "p"), {"data": {"a": "2"}})
    response = http.patch(
        cm_path(namespace, "p"),
        {
            "metadata": {"resourceVersion": created["metadata"]["resourceVersion"]},
            "data": {"a": "3"},
        },
    )
    assert response.status_code == 409


def test_generation_bumps_on_spec_changes_only(http: Http, namespace: str) -> None:
    created = http.post(deploy_path(namespace), deployment("web")).json()
    assert created["metadata"]["generation"] == 1
    labelled = http.patch(
        deploy_path(namespace, "web"), {"metadata": {"labels": {"x": "y"}}}
    ).json()
    assert labelled["metadata"]["generation"] == 1
    scaled = http.patch(deploy_path(namespace, "web"), {"spec": {"replicas": 3}}).json()
    assert scaled["metadata"]["generation"] == 2


def test_status_written_through_the_main_resource_is_ignored(
    http: Http, namespace: str, sim
) -> None:
    sim.controllers.pause()
    created = http.post(deploy_path(namespace), deployment("st")).json()
    created["status"] = {"replicas": 99}
    updated = http.put(deploy_path(namespace, "st"), created).json()
    assert updated.get("status", {}).get("replicas") != 99


def test_status_subresource_changes_only_status(http: Http, namespace: str, sim) -> None:
    sim.controllers.pause()
    created = http.post(deploy_path(namespace), deployment("ss")).json()
    created["status"] = {"replicas": 7}
    created["spec"]["replicas"] = 5
    updated = http.put(deploy_path(namespace, "ss") + "/status", created).json()
    assert updated["status"] == {"replicas": 7}
    assert updated["spec"]["replicas"] == 1
    assert updated["metadata"]["generation"] == 1


def test_json_patch_applies_operations_and_rejects_a_failed_test(
    http: Http, namespace: str
) -> None:
    http.post(cm_path(namespace), configmap("j", {"a": "1"}))
    ok = http.patch(
        cm_path(namespace, "j"), [{"op": "add", "path": "/data/b", "value": "2"}], JSON_PATCH
    )
    assert ok.json()["data"] == {"a": "1", "b": "2"}
    failed = http.patch(
        cm_path(namespace, "j"), [{"op": "test", "path": "/data/a", "value": "9"}], JSON_PATCH
    )
    assert failed.status_code == 422


def test_merge_patch_null_removes_a_key(http: Http, namespace: str) -> None:
    http.post(cm_path(namespace), configmap("m", {"a": "1", "b": "2"}))
    patched = http.patch(cm_path(namespace, "m"), {"data": {"a": None}}, MERGE).json()
    assert patched["data"] == {"b": "2"}


def test_strategic_merge_patch_merges_containers_and_env_by_name(
    http: Http, namespace: str
) -> None:
    http.post(deploy_path(namespace), deployment("smp"))
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "image": "app:2", "env": [{"name": "B", "value": "2"}]},
                        {"name": "sidecar", "image": "side:1"},
                    ]
                }
            }
        }
    }
    patched = http.patch(deploy_path(namespace, "smp"), patch, STRATEGIC).json()
    containers = patched["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app", "sidecar"]
    assert containers[0]["image"] == "app:2"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert containers[0]["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]


def test_strategic_merge_patch_delete_directive_removes_a_list_item(
    http: Http, namespace: str
) -> None:
    http.post(deploy_path(namespace), deployment("smpd"))
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "app", "env": [{"name": "A", "$patch": "delete"}]}]
                }
            }
        }
    }
    patched = http.patch(deploy_path(namespace, "smpd"), patch, STRATEGIC).json()
    assert (
        "env" not in patched["spec"]["template"]["spec"]["containers"][0]
        or patched["spec"]["template"]["spec"]["containers"][0]["env"] == []
    )


def test_secret_string_data_is_stored_as_base64_data(http: Http, namespace: str) -> None:
    secret = {"metadata": {"name": "s"}, "stringData": {"password": "pw"}}
    created = http.post(f"/api/v1/namespaces/{namespace}/secrets", secret).json()
    assert created["data"] == {"password": "cHc="}
    assert "stringData" not in created


def test_service_gets_a_cluster_ip_that_survives_updates(http: Http, namespace: str) -> None:
    svc = {"metadata": {"name": "svc"}, "spec": {"ports": [{"port": 80}]}}
    path = f"/api/v1/namespaces/{namespace}/services"
    created = http.post(path, svc).json()
    ip = created["spec"]["clusterIP"]
    assert ip.startswith("10.96.")
    replaced = http.put(
        f"{path}/svc", {"metadata": {"name": "svc"}, "spec": {"ports": [{"port": 81}]}}
    ).json()
    assert replaced["spec"]["clusterIP"] == ip


def test_scale_subresource_reads_and_writes_replicas(http: Http, namespace: str) -> None:
    http.post(deploy_path(namespace), deployment("sc", replicas=2))
    scale = http.get(deploy_path(namespace, "sc") + "/scale").json()
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 2
    http.patch(deploy_path(namespace, "sc") + "/scale", {"spec": {"replicas": 4}})
    assert http.get(deploy_path(namespace, "sc")).json()["spec"]["replicas"] == 4


def test_dry_run_does_not_persist(http: Http, namespace: str) -> None:
    response = http.post(cm_path(namespace), configmap("dry"), dryRun="All")
    assert response.status_code == 201
    assert http.get(cm_path(namespace, "dry")).status_code == 404


def test_strict_field_validation_rejects_unknown_fields_of_builtin_kinds(
    http: Http, namespace: str
) -> None:
    body = deployment("typo")
    body["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    response = http.post(deploy_path(namespace), body, fieldValidation="Strict")
    assert response.status_code == 400
    assert response.json()["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].imagePullPolcy"'
    )
    warned = http.post(deploy_path(namespace), body)
    assert warned.status_code == 201
    assert "imagePullPolcy" in warned.headers["Warning"]


def test_immutable_fields_are_422(http: Http, namespace: str) -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j"},
        "spec": {
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i:1"}]}
            }
        },
    }
    http.post(f"/apis/batch/v1/namespaces/{namespace}/jobs", job)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i:2"}]}}}}
    response = http.patch(f"/apis/batch/v1/namespaces/{namespace}/jobs/j", patch, STRATEGIC)
    assert response.status_code == 422
    assert response.json()["details"]["causes"][0]["field"] == "spec.template"
    assert response.json()["message"].startswith(
        'Job.batch "j" is invalid: spec.template: Invalid value: '
    )
    assert response.json()["message"].endswith(": field is immutable")


def test_list_at_a_future_resource_version_is_a_504(http: Http, namespace: str) -> None:
    response = http.get(cm_path(namespace), resourceVersion="999999999")
    assert response.status_code == 504
