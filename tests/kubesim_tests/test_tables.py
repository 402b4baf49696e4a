"""Server-side Tables, checked on the objects themselves (kubectl's view is in
test_kubectl.py, test_pods.py and test_events.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.kubesim import crds
from tests.kubesim.printers import human_duration
from tests.kubesim.resources import Registry
from tests.kubesim.tables import table

OSPREY_CRD = Path(__file__).resolve().parents[2] / "crds" / "osprey.dev_openstackcontrolplanes.yaml"


def test_the_osprey_crd_prints_its_columns_once_with_reason_two_pools_and_keystone_only_wide() -> None:
    registry = Registry()
    crds.register(registry, yaml.safe_load(OSPREY_CRD.read_text()))
    rtype = registry.get("osprey.dev", "v1alpha1", "openstackcontrolplanes")
    assert rtype is not None
    obj = {
        "metadata": {"name": "openstack", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"openstackRelease": "2025.1"},
        "status": {
            "phase": "Ready",
            "servicesReady": "9/9",
            "deployedRelease": "2025.1",
            "conditions": [{"type": "Ready", "status": "True", "reason": "AllServicesReady"}],
            "nodePools": {"control": 3, "compute": 4, "network": 5, "gateway": 2},
            "endpoints": {"keystone": "https://keystone.cloud.example.com"},
        },
    }
    rendered = table(rtype, [obj], {})
    columns = [(c["name"], c["priority"]) for c in rendered["columnDefinitions"]]
    assert columns == [
        ("Name", 0),
        ("Ready", 0),
        ("Phase", 0),
        ("Services", 0),
        ("Release", 0),
        ("Deployed", 0),
        ("Compute", 0),
        ("Network", 0),
        ("Control", 1),
        ("Gateway", 1),
        ("Keystone", 1),
        ("Reason", 1),
        ("Age", 0),
    ]
    assert rendered["rows"][0]["cells"][:12] == [
        "openstack",
        "True",
        "Ready",
        "9/9",
        "2025.1",
        "2025.1",
        4,
        5,
        3,
        2,
        "https://keystone.cloud.example.com",
        "AllServicesReady",
    ]


def test_ages_read_like_kubectl_prints_them() -> None:
    assert [human_duration(s) for s in (5, 119, 150, 3600, 9000, 16200, 200000, 90 * 86400)] == [
        "5s",
        "119s",
        "2m30s",
        "60m",
        "150m",
        "4h30m",
        "2d7h",
        "90d",
    ]
