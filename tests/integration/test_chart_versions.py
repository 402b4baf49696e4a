"""Published chart versions: `<year>.<number>.<patch>+<build>`, several patches per line.

Helm resolves a pinned line (or a version without build metadata) to a published tarball and
records the version it installed; the plan must be satisfied by that, not upgrade forever.
"""

from __future__ import annotations

import pytest

from osprey import catalog
from osprey.api import validate_spec
from tests.integration.operator_harness import RunningOperator, control_plane

pytestmark = pytest.mark.integration


def test_a_control_plane_on_published_versions_makes_no_helm_call_once_ready(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        ready = client.wait_ready(namespace, name)
        after_ready = len(op.helm.of(namespace))
        op.more_passes(client, namespace, name)
        assert [(o.release, o.operation) for o in op.helm.of(namespace)[after_ready:]] == []

    releases = [e.name for e in catalog.enabled_entries(validate_spec(body["spec"]))]
    assert len(op.helm.of(namespace, "upgrade")) == len(releases), "one install each"
    assert {n: s["chartVersion"] for n, s in ready["status"]["services"].items()} == {
        n: chart_repo.newest_version(n, "2025.1") for n in releases
    }, "the newest patch of the pinned line, as helm resolved it, build metadata included"


def test_an_exact_pin_installs_that_patch_and_is_satisfied_by_its_build(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url,
                         charts={"repository": chart_repo.url,
                                 "versions": {"memcached": "2025.1.0"}})
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        ready = client.wait_ready(namespace, name)
        after_ready = len(op.helm.of(namespace))
        op.more_passes(client, namespace, name)
        assert op.helm.of(namespace)[after_ready:] == []

    memcached = ready["status"]["services"]["memcached"]["chartVersion"]
    # The fixture repository publishes newer patches of the line too (2025.1.3): not taken.
    assert memcached == chart_repo.newest_version("memcached", "2025.1.0")
    assert memcached.startswith("2025.1.0+")
