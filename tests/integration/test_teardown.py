"""Deleting a control plane: `Retain` runs none of the charts' pre-delete hooks (they delete
data: keystone's credential cleanup, glance's clean, the db-drop Jobs), and no hook Job of a
release is left behind under either policy."""

from __future__ import annotations

import pytest

from tests.integration.operator_harness import RunningOperator, control_plane
from tests.integration.watching import JobCreations

pytestmark = pytest.mark.integration

PRE_DELETE_HOOKS = {"keystone-credential-cleanup", "keystone-db-drop", "glance-clean",
                    "glance-db-drop", "nova-db-drop"}
# OpenStack-Helm renders db-drop hooks only when asked (manifests.job_db_drop).
DB_DROP = {"values": {"manifests": {"job_db_drop": True}}}


def converge_and_delete(kube, client, namespace, chart_repo, policy):
    """Converge a control plane whose services render their db-drop hooks, delete it, and
    return the names of the Jobs created while it was being deleted."""
    body = control_plane("minimal.yaml", namespace, chart_repo.url, deletionPolicy=policy,
                         services={"keystone": DB_DROP, "glance": DB_DROP, "nova": DB_DROP})
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)
        client.wait_ready(namespace, name)
        assert client.list("Job", namespace), "hook Jobs were left by the installs"
        with JobCreations(kube, namespace) as created:
            client.delete("OpenStackControlPlane", namespace, name)
            client.wait_for(lambda: client.get("OpenStackControlPlane", namespace, name) is None,
                            120, "the control plane to be gone")
    return created.names


def test_retain_runs_no_pre_delete_hook_and_leaves_no_job(kube, client, namespace, chart_repo):
    created = converge_and_delete(kube, client, namespace, chart_repo, "Retain")
    assert set(created) & PRE_DELETE_HOOKS == set(), created
    assert [j["metadata"]["name"] for j in client.list("Job", namespace)] == []


def test_delete_runs_the_charts_cleanup_hooks_and_leaves_no_job(
    kube, client, namespace, chart_repo
):
    created = converge_and_delete(kube, client, namespace, chart_repo, "Delete")
    assert PRE_DELETE_HOOKS <= set(created), created
    assert [j["metadata"]["name"] for j in client.list("Job", namespace)] == []
