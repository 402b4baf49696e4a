"""Drift: what the chart rendered against what the cluster holds."""

from fractions import Fraction

from osprey.drift import differences, object_drift, release_drift
from osprey.quantity import quantity
from osprey.releases import DeployedRelease

RENDERED = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "keystone-api", "labels": {"application": "keystone"}},
    "spec": {"replicas": 2, "template": {"spec": {"containers": [
        {"name": "api", "image": "keystone:2025.1", "ports": [{"containerPort": 5000}]}]}}},
}


def live(**changes):
    obj = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "keystone-api", "resourceVersion": "7", "uid": "u",
                     "labels": {"application": "keystone", "extra": "x"}},
        "spec": {"replicas": 2, "strategy": {"type": "RollingUpdate"},
                 "template": {"spec": {"containers": [
                     {"name": "api", "image": "keystone:2025.1", "imagePullPolicy": "IfNotPresent",
                      "ports": [{"containerPort": 5000, "protocol": "TCP"}]}]}}},
        "status": {"readyReplicas": 2},
    }
    obj["spec"].update(changes)
    return obj


def release(*objects):
    return DeployedRelease(name="keystone", namespace="ns", revision=1, status="deployed",
                           chart="keystone", version="1", values={}, manifest=objects)


def test_defaults_and_status_added_by_the_cluster_are_not_drift():
    assert object_drift(RENDERED, live()).fields == ()


def test_a_changed_rendered_field_is_drift_with_its_path():
    changed = live()
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "evil:latest"
    assert object_drift(RENDERED, changed).fields == (
        "spec.template.spec.containers[0].image",)


def test_a_removed_label_is_drift():
    changed = live()
    del changed["metadata"]["labels"]["application"]
    assert object_drift(RENDERED, changed).fields == ("metadata.labels.application",)


def test_ignored_fields_are_not_drift():
    assert object_drift(RENDERED, live(replicas=5), ignore={"spec.replicas"}).fields == ()


def test_a_missing_object_is_drift():
    drift = release_drift(release(RENDERED), {})
    assert [(d.ref, d.missing) for d in drift] == [("Deployment/keystone-api", True)]


def test_an_object_left_as_our_last_repair_left_it_is_not_reported_again():
    changed = live(replicas=5)
    assert release_drift(release(RENDERED), {("Deployment", "keystone-api"): changed})
    assert not release_drift(release(RENDERED), {("Deployment", "keystone-api"): changed},
                             settled={("Deployment", "keystone-api"): "7"})


def test_an_object_found_as_rendered_is_not_compared_again_at_the_same_versions():
    clean = {}
    same = live()
    assert not release_drift(release(RENDERED), {("Deployment", "keystone-api"): same},
                             clean=clean)
    same["spec"]["replicas"] = 9  # changed in place: only a new resourceVersion is looked at
    assert not release_drift(release(RENDERED), {("Deployment", "keystone-api"): same},
                             clean=clean)


def test_an_object_at_a_new_resource_version_is_compared_again():
    clean = {}
    release_drift(release(RENDERED), {("Deployment", "keystone-api"): live()}, clean=clean)
    changed = live(replicas=5)
    changed["metadata"]["resourceVersion"] = "8"
    drift = release_drift(release(RENDERED), {("Deployment", "keystone-api"): changed},
                          clean=clean)
    assert [d.fields for d in drift] == [("spec.replicas",)]


def test_an_object_is_compared_again_under_a_new_revision_of_its_release():
    clean = {}
    release_drift(release(RENDERED), {("Deployment", "keystone-api"): live()}, clean=clean)
    upgraded = dict(RENDERED, spec=dict(RENDERED["spec"], replicas=3))
    newer = DeployedRelease(name="keystone", namespace="ns", revision=2, status="deployed",
                            chart="keystone", version="1", values={}, manifest=(upgraded,))
    drift = release_drift(newer, {("Deployment", "keystone-api"): live()}, clean=clean)
    assert [d.fields for d in drift] == [("spec.replicas",)]


def test_a_drifted_object_is_compared_on_every_pass_until_repaired():
    clean = {}
    changed = {("Deployment", "keystone-api"): live(replicas=5)}
    assert release_drift(release(RENDERED), changed, clean=clean)
    assert release_drift(release(RENDERED), changed, clean=clean)


def test_numbers_rendered_as_strings_compare_equal():
    assert differences({"port": 80}, {"port": "80"}) == []


def mariadb_release(size):
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "mariadb-server"},
           "spec": {"volumeClaimTemplates": [{"metadata": {"name": "mysql-data"}, "spec": {
               "resources": {"requests": {"storage": size}}}}]}}
    return DeployedRelease(name="mariadb", namespace="ns", revision=2, status="deployed",
                           chart="mariadb", version="1", values={}, manifest=(sts,))


def claim(size):
    return {"spec": {"resources": {"requests": {"storage": size}}}}


def test_claims_smaller_than_their_template_are_expanded():
    from osprey.drift import claims_to_expand

    claims = {"mysql-data-mariadb-server-0": claim("5Gi"), "mysql-data-mariadb-server-1": claim("10Gi"),
              "other-claim": claim("1Gi")}
    assert claims_to_expand(mariadb_release("10Gi"), claims) == [("mysql-data-mariadb-server-0", "10Gi")]


def test_claims_are_never_shrunk():
    from osprey.drift import claims_to_expand

    assert claims_to_expand(mariadb_release("1Gi"), {"mysql-data-mariadb-server-0": claim("5Gi")}) == []


def test_quantities_compare_across_units():
    assert quantity("1Gi") == 1024 ** 3 and quantity("1G") == 10 ** 9
    assert quantity("1536Mi") > quantity("1Gi")
    assert quantity("500m") == quantity("0.5") == quantity(0.5) == Fraction(1, 2)
    assert quantity("1e3") == quantity("1k") == 1000
    assert quantity("two") is None and quantity(None) is None and quantity(True) is None


def container_with(resources):
    return {"template": {"spec": {"containers": [{"name": "api", "resources": resources}]}}}


def test_resources_in_their_canonical_form_are_not_drift():
    rendered = {"limits": {"cpu": "2000m", "memory": "1024Mi", "hugepages-1Gi": "1Gi"},
                "requests": {"cpu": 0.1, "memory": "128Mi"}}
    stored = {"limits": {"cpu": "2", "memory": "1Gi", "hugepages-1Gi": "1Gi"},
              "requests": {"cpu": "100m", "memory": "128Mi"}}
    assert differences(container_with(rendered), container_with(stored)) == []


def test_a_changed_resource_is_drift():
    rendered = {"limits": {"cpu": "2000m", "example.com/gpu": "1"}}
    stored = {"limits": {"cpu": "1", "example.com/gpu": "2"}}
    assert differences(container_with(rendered), container_with(stored)) == [
        "template.spec.containers[0].resources.limits.cpu",
        "template.spec.containers[0].resources.limits.example.com/gpu",
    ]


def test_only_quantity_fields_compare_by_value():
    assert differences({"env": [{"name": "CPU", "value": "2000m"}]},
                       {"env": [{"name": "CPU", "value": "2"}]}) == ["env[0].value"]


# nova-bootstrap as OpenStack-Helm renders it (helm-toolkit snippets that render nothing leave
# nulls) and as the API server keeps it (nulls dropped, an empty pod securityContext defaulted,
# the Job controller's labels added).
BOOTSTRAP = {
    "apiVersion": "batch/v1", "kind": "Job",
    "metadata": {"name": "nova-bootstrap", "labels": {"application": "nova"},
                 "annotations": None},
    "spec": {"backoffLimit": 1000, "template": {
        "metadata": {"labels": {"application": "nova"}, "annotations": None},
        "spec": {"securityContext": None, "restartPolicy": "OnFailure",
                 "initContainers": [{"name": "init", "image": "entrypoint", "volumeMounts": None}],
                 "containers": [{"name": "bootstrap", "image": "heat:2025.1",
                                 "env": [{"name": "WAIT", "value": None}]}]}}},
}


def bootstrap_as_kept(complete=True):
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "nova-bootstrap", "resourceVersion": "9",
                     "labels": {"application": "nova"},
                     "annotations": {"meta.helm.sh/release-name": "nova"}},
        "spec": {"backoffLimit": 1000, "template": {
            "metadata": {"labels": {"application": "nova", "job-name": "nova-bootstrap"}},
            "spec": {"securityContext": {}, "restartPolicy": "OnFailure",
                     "initContainers": [{"name": "init", "image": "entrypoint"}],
                     "containers": [{"name": "bootstrap", "image": "heat:2025.1",
                                     "env": [{"name": "WAIT"}]}]}}},
        "status": {"conditions": [{"type": "Complete", "status": "True" if complete else "False"}]},
    }


def test_fields_rendered_null_are_not_drift_whatever_the_api_server_keeps():
    assert object_drift(BOOTSTRAP, bootstrap_as_kept()).fields == ()


def test_null_and_absent_compare_alike():
    assert differences({"a": None, "b": {"c": None}}, {"b": {}}) == []
    assert differences({"securityContext": None}, {"securityContext": {}}) == []
    assert differences({"value": None}, {"value": ""}) == []


def test_a_completed_job_that_differs_from_its_manifest_is_not_drift():
    changed = bootstrap_as_kept(complete=True)
    changed["metadata"]["labels"]["application"] = "changed"
    assert release_drift(release(BOOTSTRAP), {("Job", "nova-bootstrap"): changed}) == ()


def test_a_running_job_that_differs_from_its_manifest_is_drift():
    changed = bootstrap_as_kept(complete=False)
    changed["metadata"]["labels"]["application"] = "changed"
    drift = release_drift(release(BOOTSTRAP), {("Job", "nova-bootstrap"): changed})
    assert [(d.ref, d.fields) for d in drift] == [
        ("Job/nova-bootstrap", ("metadata.labels.application",))]


def test_zero_values_the_api_server_omits_are_not_drift():
    assert differences({"hostNetwork": False, "value": "", "port": 0}, {}) == []
    assert differences({"hostNetwork": True}, {}) == ["hostNetwork"]
    assert differences({"hostNetwork": False}, {"hostNetwork": True}) == ["hostNetwork"]
