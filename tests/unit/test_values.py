"""Values builders: shared facts rendered identically, user values last, JSON-plain output."""

from __future__ import annotations

import json
from typing import Any

import pytest

from osprey.api.spec import DEFAULT_API_REPLICAS, ControlPlaneSpec
from osprey.catalog import (
    ValuesContext,
    credential_keys,
    enabled_entries,
    entry,
    load_release_catalog,
)
from osprey.catalog.values.merge import deep_merge, plain


def spec(**data: object) -> ControlPlaneSpec:
    return ControlPlaneSpec.model_validate(data)


def full(neutron_backend: str = "ovs", **extra: object) -> ControlPlaneSpec:
    optional = ("horizon", "heat", "cinder", "barbican", "octavia")
    services: dict[str, object] = {name: {"enabled": True} for name in optional}
    services["neutron"] = {"backend": neutron_backend}
    return spec(services=services, **extra)


def render(s: ControlPlaneSpec) -> dict[str, dict[str, Any]]:
    ctx = ValuesContext(
        spec=s,
        namespace="openstack",
        release=load_release_catalog(s.openstackRelease),
        credentials={key: f"secret-{key}" for key in credential_keys(s)},
    )
    return {item.name: item.values(ctx) for item in enabled_entries(s)}


def dig(values: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        values = values[part]
    return values


@pytest.mark.parametrize("backend", ["ovs", "ovn"])
def test_values_survive_a_json_round_trip(backend: str) -> None:
    for chart, values in render(full(neutron_backend=backend)).items():
        assert json.loads(json.dumps(values)) == values, chart


def test_admin_credentials_are_identical_in_every_chart() -> None:
    rendered = render(full(region="RegionEast"))
    admins = {
        chart: dig(values, "endpoints.identity.auth.admin")
        for chart, values in rendered.items()
        if "identity" in values.get("endpoints", {})
    }
    assert len(admins) == 10
    expected = {
        "username": "admin",
        "password": "secret-keystone-admin-password",
        "region_name": "RegionEast",
    }
    assert all(admin == expected for admin in admins.values())


def test_database_admin_is_the_mariadb_root_everywhere() -> None:
    rendered = render(full())
    root = dig(rendered["mariadb"], "endpoints.oslo_db.auth.admin")
    for chart in (
        "keystone",
        "glance",
        "placement",
        "neutron",
        "nova",
        "horizon",
        "heat",
        "cinder",
    ):
        assert dig(rendered[chart], "endpoints.oslo_db.auth.admin") == root, chart
    assert dig(rendered["nova"], "endpoints.oslo_db_api.auth.admin") == root


def test_messaging_admin_and_replicas_match_rabbitmq_in_every_client() -> None:
    rendered = render(full(infrastructure={"rabbitmq": {"replicas": 3}}))
    user = dig(rendered["rabbitmq"], "endpoints.oslo_messaging.auth.user")
    clients = [
        c
        for c, v in rendered.items()
        if "oslo_messaging" in v.get("endpoints", {}) and c != "rabbitmq"
    ]
    assert set(clients) == {
        "keystone",
        "glance",
        "neutron",
        "nova",
        "heat",
        "cinder",
        "barbican",
        "octavia",
    }
    for chart in clients:
        messaging = dig(rendered[chart], "endpoints.oslo_messaging")
        assert messaging["auth"]["admin"] == user, chart
        assert messaging["statefulset"]["replicas"] == 3, chart


def test_service_user_password_is_shared_with_the_peer_charts() -> None:
    rendered = render(spec())
    nova_user = dig(rendered["nova"], "endpoints.identity.auth.nova.password")
    assert dig(rendered["neutron"], "endpoints.identity.auth.nova.password") == nova_user
    neutron_user = dig(rendered["neutron"], "endpoints.identity.auth.neutron.password")
    assert dig(rendered["nova"], "endpoints.identity.auth.neutron.password") == neutron_user


def test_peer_users_of_disabled_services_are_not_rendered() -> None:
    assert "cinder" not in dig(render(spec())["nova"], "endpoints.identity.auth")


def test_metadata_proxy_secret_is_shared_by_nova_and_neutron() -> None:
    rendered = render(spec())
    nova = dig(rendered["nova"], "conf.nova.neutron.metadata_proxy_shared_secret")
    assert (
        dig(rendered["neutron"], "conf.metadata_agent.DEFAULT.metadata_proxy_shared_secret") == nova
    )
    assert nova == "secret-metadata-proxy-shared-secret"


def test_memcache_secret_is_identical_in_every_chart_that_encrypts_tokens() -> None:
    rendered = render(full())
    secrets = {
        chart: dig(values, "endpoints.oslo_cache.auth.memcache_secret_key")
        for chart, values in rendered.items()
        if "oslo_cache" in values.get("endpoints", {})
    }
    assert set(secrets.values()) == {"secret-memcache-secret-key"} and len(secrets) == 8


def test_unset_api_replicas_render_the_documented_default() -> None:
    rendered = render(full())
    assert DEFAULT_API_REPLICAS == 1
    for chart, key in (("keystone", "api"), ("glance", "api"), ("horizon", "server"),
                       ("neutron", "server"), ("nova", "osapi"), ("heat", "api"),
                       ("cinder", "api"), ("octavia", "api"), ("barbican", "api")):
        assert dig(rendered[chart], f"pod.replicas.{key}") == DEFAULT_API_REPLICAS, chart


def test_nova_api_replicas_use_the_osapi_key() -> None:
    rendered = render(spec(services={"nova": {"replicas": {"api": 3, "conductor": 2}}}))
    assert dig(rendered["nova"], "pod.replicas.osapi") == 3
    assert dig(rendered["nova"], "pod.replicas.conductor") == 2


def test_autoscaled_api_renders_a_null_replica_count() -> None:
    scaled = spec(services={"nova": {"autoscaling": {"maxReplicas": 5}}})
    replicas = dig(render(scaled)["nova"], "pod.replicas")
    assert replicas["osapi"] is None and replicas["conductor"] == 1


def test_public_domain_sets_the_public_host_of_each_endpoint() -> None:
    rendered = render(spec(publicDomain="cloud.example.com"))
    assert (
        dig(rendered["nova"], "endpoints.compute.host_fqdn_override.public.host")
        == "nova.cloud.example.com"
    )
    assert (
        dig(rendered["glance"], "endpoints.identity.host_fqdn_override.public.host")
        == "keystone.cloud.example.com"
    )


def test_no_public_domain_keeps_the_chart_defaults() -> None:
    assert "host_fqdn_override" not in json.dumps(render(spec()))


def test_node_selector_is_rendered_into_control_plane_labels() -> None:
    rendered = render(spec(nodeSelector={"role": "control"}))
    assert dig(rendered["nova"], "labels.osapi") == {
        "node_selector_key": "role",
        "node_selector_value": "control",
    }
    assert dig(rendered["neutron"], "labels.agent.dhcp.node_selector_key") == "role"
    assert "labels" not in rendered["libvirt"]


def test_storage_class_falls_back_from_claim_to_spec_to_cluster_default() -> None:
    rendered = render(
        spec(
            storageClass="fast",
            infrastructure={"rabbitmq": {"storage": {"size": "3Gi", "storageClass": "slow"}}},
        )
    )
    assert dig(rendered["mariadb"], "volume.class_name") == "fast"
    assert dig(rendered["rabbitmq"], "volume") == {"size": "3Gi", "class_name": "slow"}
    defaults = render(spec())
    assert dig(defaults["mariadb"], "volume.class_name") == "default"
    assert dig(defaults["glance"], "volume.class_name") is None


def test_release_image_tags_are_rendered() -> None:
    rendered = render(spec(openstackRelease="2025.2"))
    assert (
        dig(rendered["nova"], "images.tags.nova_api")
        == "quay.io/airshipit/nova:2025.2-ubuntu_noble"
    )


def test_user_values_are_merged_last() -> None:
    custom = spec(
        services={
            "nova": {
                "replicas": {"api": 2},
                "values": {"pod": {"replicas": {"osapi": 7}}, "extra": [1]},
            }
        }
    )
    nova = render(custom)["nova"]
    assert dig(nova, "pod.replicas.osapi") == 7
    assert dig(nova, "pod.replicas.conductor") == 1
    assert nova["extra"] == [1]


def test_supporting_chart_values_come_from_their_own_field() -> None:
    custom = spec(services={"nova": {"libvirt": {"values": {"conf": {"x": 1}}}}})
    assert dig(render(custom)["libvirt"], "conf.x") == 1


def test_missing_credential_is_named() -> None:
    s = spec()
    ctx = ValuesContext(
        spec=s, namespace="openstack", release=load_release_catalog("2025.1"), credentials={}
    )
    with pytest.raises(KeyError, match="keystone-admin-password"):
        entry("keystone").values(ctx)


def test_deep_merge_replaces_lists_and_leaves_inputs_untouched() -> None:
    base = {"a": {"b": [1, 2], "c": 1}}
    merged = deep_merge(base, {"a": {"b": [3]}})
    assert merged == {"a": {"b": [3], "c": 1}} and base == {"a": {"b": [1, 2], "c": 1}}


def test_plain_rejects_non_json_values_naming_the_path() -> None:
    with pytest.raises(TypeError, match=r"values\.a\.b"):
        plain({"a": {"b": {1, 2}}})
    with pytest.raises(TypeError, match="key 1"):
        plain({1: "x"})
