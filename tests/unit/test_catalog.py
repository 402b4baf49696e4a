"""The chart catalog: which releases a spec enables, their dependency edges and workloads."""

from __future__ import annotations

import pytest

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog import CATALOG, Workload, credential_keys, enabled_entries, entry

COMPUTE_KIT = [
    "mariadb",
    "rabbitmq",
    "memcached",
    "keystone",
    "glance",
    "placement",
    "openvswitch",
    "libvirt",
    "neutron",
    "nova",
]


def spec(**data: object) -> ControlPlaneSpec:
    return ControlPlaneSpec.model_validate(data)


def everything(backend: str = "ovs") -> ControlPlaneSpec:
    services = {
        name: {"enabled": True} for name in ("horizon", "heat", "cinder", "barbican", "octavia")
    }
    return spec(services={**services, "neutron": {"backend": backend}})


def test_default_spec_enables_the_compute_kit_in_catalog_order() -> None:
    assert [item.name for item in enabled_entries(spec())] == COMPUTE_KIT


def test_catalog_order_is_topological_for_every_edge() -> None:
    order = [item.name for item in CATALOG]
    for backend in ("ovs", "ovn"):
        full = everything(backend)
        for item in CATALOG:
            for dependency in item.requires_ready(full) + item.requires_installed(full):
                assert order.index(dependency) < order.index(item.name), (item.name, dependency)


def test_ovn_backend_adds_the_ovn_chart_and_keeps_openvswitch() -> None:
    names = [item.name for item in enabled_entries(spec(services={"neutron": {"backend": "ovn"}}))]
    assert "ovn" in names and "openvswitch" in names


def test_neutron_waits_for_its_backend_charts_to_be_installed() -> None:
    assert entry("neutron").requires_installed(spec()) == ("openvswitch",)
    ovn = spec(services={"neutron": {"backend": "ovn"}})
    assert entry("neutron").requires_installed(ovn) == ("openvswitch", "ovn")


def test_nova_needs_libvirt_and_neutron_installed_not_ready() -> None:
    nova = entry("nova")
    assert nova.requires_installed(spec()) == ("libvirt", "neutron")
    assert "libvirt" not in nova.requires_ready(spec())
    assert "nova" not in entry("libvirt").requires_ready(spec())
    assert "nova" not in entry("libvirt").requires_installed(spec())


def test_dependencies_name_only_enabled_releases() -> None:
    # Built around validation (which forbids this spec) to test the edge filter alone.
    base = spec()
    no_memcached = base.infrastructure.memcached.model_copy(update={"enabled": False})
    infrastructure = base.infrastructure.model_copy(update={"memcached": no_memcached})
    without_memcached = base.model_copy(update={"infrastructure": infrastructure})
    assert "memcached" not in entry("keystone").requires_ready(without_memcached)
    assert "mariadb" in entry("keystone").requires_ready(without_memcached)


def test_disabling_nova_drops_libvirt() -> None:
    names = [item.name for item in enabled_entries(spec(services={"nova": {"enabled": False}}))]
    assert "libvirt" not in names and "nova" not in names


def test_only_data_holding_charts_are_stateful() -> None:
    assert {item.name for item in CATALOG if item.stateful} == {"mariadb", "rabbitmq", "ovn"}


def test_nova_api_workload_is_the_osapi_deployment() -> None:
    assert entry("nova").api_workload(spec()) == Workload("Deployment", "nova-api-osapi")


def test_infrastructure_has_no_api_to_autoscale() -> None:
    assert entry("mariadb").api_workload(spec()) is None
    assert entry("mariadb").autoscaling(spec()) is None


def test_autoscaling_is_read_from_the_service_spec() -> None:
    scaled = spec(services={"keystone": {"autoscaling": {"maxReplicas": 4}}})
    assert entry("keystone").autoscaling(scaled).maxReplicas == 4
    assert entry("glance").autoscaling(scaled) is None


def test_neutron_workloads_follow_the_backend() -> None:
    ovs = {w.name for w in entry("neutron").workloads(spec())}
    ovn = {
        w.name for w in entry("neutron").workloads(spec(services={"neutron": {"backend": "ovn"}}))
    }
    assert "neutron-ovs-agent-default" in ovs and "neutron-rpc-server" in ovs
    assert "neutron-ovs-agent-default" not in ovn and "neutron-ovn-metadata-agent-default" in ovn


@pytest.mark.parametrize(
    ("release", "worker"),
    [
        ("2025.1", Workload("Deployment", "octavia-worker")),
        ("2025.2", Workload("DaemonSet", "octavia-worker-default")),
    ],
)
def test_octavia_workloads_follow_the_chart_series(release: str, worker: Workload) -> None:
    octavia = spec(openstackRelease=release, services={"octavia": {"enabled": True}})
    assert worker in entry("octavia").workloads(octavia)


def test_chart_version_prefers_per_chart_then_global_then_pin() -> None:
    assert entry("nova").chart_version(spec()) == "2025.1"
    assert entry("nova").chart_version(spec(openstackRelease="2025.2")) == "2025.2"
    assert entry("nova").chart_version(spec(charts={"version": "2025.2.1"})) == "2025.2.1"
    both = spec(charts={"version": "2025.2.1", "versions": {"nova": "2025.1.7"}})
    assert entry("nova").chart_version(both) == "2025.1.7"


def test_credential_keys_cover_shared_and_per_service_secrets() -> None:
    keys = credential_keys(spec())
    for key in (
        "keystone-admin-password",
        "mariadb-root-password",
        "rabbitmq-admin-password",
        "nova-db-password",
        "nova-keystone-password",
        "nova-rabbitmq-password",
        "memcache-secret-key",
        "metadata-proxy-shared-secret",
        "placement-db-password",
    ):
        assert key in keys
    assert len(keys) == len(set(keys))


def test_credential_keys_leave_out_disabled_services() -> None:
    assert not any(key.startswith("heat-") for key in credential_keys(spec()))
    heat = credential_keys(spec(services={"heat": {"enabled": True}}))
    assert {"heat-trustee-keystone-password", "heat-stack-user-keystone-password"} <= set(heat)


def test_unknown_entry_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="keystone"):
        entry("swift")
