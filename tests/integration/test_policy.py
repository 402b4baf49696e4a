"""The operator's policy on a running operator: what it refuses changes nothing in the cluster.

A control plane whose chart repository the policy does not list, and one whose values carry
`extraObjects`, are applied to a namespace the operator serves; each is refused with the field
named, and no helm operation runs.
"""

from __future__ import annotations

import pytest

from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("spec", "field"), [
    ({}, "spec.charts.repository"),  # the repository is set to one the policy does not list
    ({"services": {"keystone": {"values": {"extraObjects": [{
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "pwned"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "cluster-admin"},
        "subjects": [{"kind": "User", "name": "mallory"}]}]}}}},
     "spec.services.keystone.values.extraObjects"),
], ids=["repository", "extraObjects"])
def test_a_control_plane_the_policy_refuses_is_invalid_and_installs_nothing(
    kube, client: Client, chart_repo, spec, field
):
    namespace = kube.new_namespace("policy")
    repository = ("https://charts.example.com/openstack-helm" if field == "spec.charts.repository"
                  else chart_repo.url)
    body = control_plane("minimal.yaml", namespace, repository, **spec)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as operator:
        client.apply_control_plane(body)
        ready = client.wait_for(
            lambda: (c := client.condition(namespace, name, "Ready")) and c["reason"] == "InvalidSpec"
            and c, 60, "Ready=False, InvalidSpec")
        operator.more_passes(client, namespace, name, count=1)
        assert operator.helm.operations == []
    assert ready["status"] == "False"
    assert ready["message"].startswith(f"{field}: ") and "operator's policy" in ready["message"]
    assert client.list("Secret", namespace, labels="owner=helm") == []
    kube.delete_namespace(namespace)
