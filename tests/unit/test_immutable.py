"""What an upgrade must replace before helm runs: decided from the manifests, not from errors."""

import copy

from osprey.immutable import replacements
from osprey.releases import DeployedRelease


def job(image, **meta):
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "nova-bootstrap", "annotations": None, **meta},
            "spec": {"backoffLimit": 1000, "template": {
                "metadata": {"labels": {"application": "nova"}, "annotations": None},
                "spec": {"securityContext": None, "restartPolicy": "OnFailure",
                         "containers": [{"name": "bootstrap", "image": image}]}}}}


def live_job(image):
    """The Job as the API server keeps it: nulls gone, defaults and controller labels added."""
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "nova-bootstrap", "uid": "1"},
            "spec": {"backoffLimit": 1000, "completions": 1, "parallelism": 1,
                     "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "1"}},
                     "template": {
                         "metadata": {"labels": {"application": "nova", "job-name": "x"}},
                         "spec": {"securityContext": {}, "restartPolicy": "OnFailure",
                                  "containers": [{"name": "bootstrap", "image": image,
                                                  "imagePullPolicy": "IfNotPresent"}]}}},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]}}


def statefulset(size, replicas=1, image="mariadb:10"):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "mariadb-server"},
            "spec": {"replicas": replicas, "serviceName": "mariadb-server",
                     "template": {"spec": {"containers": [{"name": "db", "image": image}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "mysql-data"}, "spec": {
                         "resources": {"requests": {"storage": size}}}}]}}


def deployed(*manifest):
    return DeployedRelease(name="nova", namespace="ns", revision=1, status="deployed",
                           chart="nova", version="2025.1.3+0ee5adeff", values={},
                           manifest=manifest)


def test_a_bootstrap_job_whose_images_change_is_replaced_with_its_pods():
    found = replacements([job("heat:2025.2")], deployed(job("heat:2025.1")),
                         {("Job", "nova-bootstrap"): live_job("heat:2025.1")})
    assert [(r.ref, r.fields, r.propagation) for r in found] == [
        ("Job/nova-bootstrap", ("spec.template",), "Foreground")]


def test_an_unchanged_job_is_left_alone_whatever_the_api_server_added():
    found = replacements([job("heat:2025.1")], deployed(job("heat:2025.1")),
                         {("Job", "nova-bootstrap"): live_job("heat:2025.1")})
    assert found == []


def test_null_and_absent_fields_are_the_same_manifest():
    rendered = copy.deepcopy(job("heat:2025.1"))
    del rendered["spec"]["template"]["metadata"]["annotations"]
    rendered["spec"]["template"]["spec"]["securityContext"] = {}
    found = replacements([rendered], deployed(job("heat:2025.1")),
                         {("Job", "nova-bootstrap"): live_job("heat:2025.1")})
    assert found == []


def test_a_job_that_does_not_exist_needs_no_replacing():
    assert replacements([job("heat:2025.2")], deployed(job("heat:2025.1")), {}) == []


def test_hook_jobs_are_left_to_helm():
    hook = job("heat:2025.2", annotations={"helm.sh/hook": "post-install,post-upgrade"})
    old = job("heat:2025.1", annotations={"helm.sh/hook": "post-install,post-upgrade"})
    assert replacements([hook], deployed(old),
                        {("Job", "nova-bootstrap"): live_job("heat:2025.1")}) == []


def test_a_job_the_release_did_not_render_before_is_compared_with_the_live_one():
    live = {("Job", "nova-bootstrap"): live_job("heat:2025.1")}
    assert replacements([job("heat:2025.1")], deployed(), live) == []
    found = replacements([job("heat:2025.2")], deployed(), live)
    assert [(r.ref, r.fields) for r in found] == [("Job/nova-bootstrap", ("spec.template",))]


def test_a_statefulset_whose_claim_templates_change_is_replaced_orphaning_its_pods():
    live = {("StatefulSet", "mariadb-server"): statefulset("5Gi")}
    found = replacements([statefulset("8Gi")], deployed(statefulset("5Gi")), live)
    assert [(r.ref, r.fields, r.propagation) for r in found] == [
        ("StatefulSet/mariadb-server", ("spec.volumeClaimTemplates",), "Orphan")]


def test_a_statefulset_whose_replicas_or_template_change_is_upgraded_in_place():
    live = {("StatefulSet", "mariadb-server"): statefulset("5Gi")}
    rendered = statefulset("5Gi", replicas=3, image="mariadb:11")
    assert replacements([rendered], deployed(statefulset("5Gi")), live) == []


def test_after_a_failed_upgrade_the_live_job_decides():
    """The failed revision recorded the new template, which never reached the cluster."""
    failed = DeployedRelease(name="nova", namespace="ns", revision=2, status="failed",
                             chart="nova", version="2025.2.0+0ee5adeff", values={},
                             manifest=(job("heat:2025.2"),))
    found = replacements([job("heat:2025.2")], failed,
                         {("Job", "nova-bootstrap"): live_job("heat:2025.1")})
    assert [r.ref for r in found] == ["Job/nova-bootstrap"]
    assert replacements([job("heat:2025.2")], failed,
                        {("Job", "nova-bootstrap"): live_job("heat:2025.2")}) == []
