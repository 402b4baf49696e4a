"""Autoscaled APIs get an HPA, and their replicas are left to it."""

from osprey.api.spec import Autoscaling
from osprey.autoscaling import hpa_manifest, ignored_fields
from osprey.catalog import Workload
from osprey.helm import ChartRef
from osprey.plan import ReleasePlan


def release(autoscaling):
    return ReleasePlan(name="keystone", chart=ChartRef("keystone", "1", "https://x"), values={},
                       requires_ready=(), requires_installed=(), stateful=False, workloads=(),
                       api_workload=Workload("Deployment", "keystone-api"),
                       autoscaling=autoscaling)


def test_the_hpa_targets_the_api_deployment_with_the_spec_bounds():
    hpa = hpa_manifest(release(Autoscaling(minReplicas=2, maxReplicas=5,
                                           targetCPUUtilizationPercentage=70)), "cp")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "keystone-api"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    assert hpa["metadata"]["labels"]["osprey.dev/control-plane"] == "cp"


def test_replicas_of_autoscaled_apis_are_not_drift():
    fields = ignored_fields([release(Autoscaling(maxReplicas=3)), release(None)])
    assert fields == {("Deployment", "keystone-api"): {"spec.replicas"}}
