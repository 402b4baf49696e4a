"""Values of spec.endpoints, spec.images: https public endpoints, their Ingresses, mirrors."""

from __future__ import annotations

from typing import Any

import pytest

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog import ValuesContext, credential_keys, enabled_entries, load_release_catalog
from osprey.catalog.values.exposure import PUBLIC_ENDPOINTS, public_urls
from osprey.catalog.values.images import mirrored

DOMAIN = "cloud.example.com"
OPTIONAL = ("horizon", "heat", "cinder", "barbican", "octavia")
ISSUER = {"issuerRef": {"kind": "ClusterIssuer", "name": "letsencrypt"}}


def spec(**data: Any) -> ControlPlaneSpec:
    services = {name: {"enabled": True} for name in OPTIONAL}
    return ControlPlaneSpec.model_validate({"services": services, **data})


def render(s: ControlPlaneSpec) -> dict[str, dict[str, Any]]:
    ctx = ValuesContext(
        spec=s, namespace="openstack", release=load_release_catalog(s.openstackRelease),
        credentials={key: f"secret-{key}" for key in credential_keys(s)})
    return {item.name: item.values(ctx) for item in enabled_entries(s)}


def exposed(**endpoints: Any) -> ControlPlaneSpec:
    return spec(publicDomain=DOMAIN, endpoints=endpoints)


def test_with_tls_every_public_endpoint_is_https_on_443_in_every_chart_that_lists_it():
    for chart, values in render(exposed(tls=ISSUER)).items():
        for endpoint_type, endpoint in values.get("endpoints", {}).items():
            if endpoint_type not in PUBLIC_ENDPOINTS:
                continue
            public = PUBLIC_ENDPOINTS[endpoint_type]
            assert endpoint["scheme"]["public"] == "https", (chart, endpoint_type)
            assert endpoint["port"][public.port]["public"] == 443, (chart, endpoint_type)
            assert endpoint["host_fqdn_override"]["public"] == {
                "host": f"{public.host}.{DOMAIN}",
                "tls": {"secretName": f"{public.host}-tls-public",
                        "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
            }, (chart, endpoint_type)


def test_each_service_ingress_asks_its_issuer_for_its_hosts_certificate():
    values = render(exposed(tls=ISSUER, ingressClassName="public"))
    nova = values["nova"]
    for network, endpoint_type, host in [("osapi", "compute", "nova"),
                                         ("metadata", "compute_metadata", "metadata"),
                                         ("novncproxy", "compute_novnc_proxy", "novncproxy")]:
        ingress = nova["network"][network]["ingress"]
        assert ingress["classes"] == {"namespace": "public"}
        assert ingress["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
        assert nova["secrets"]["tls"][endpoint_type][network]["public"] == f"{host}-tls-public"
    assert nova["network"]["use_external_ingress_controller"] is True
    assert values["keystone"]["secrets"]["tls"]["identity"]["api"]["public"] == (
        "keystone-tls-public")
    assert values["heat"]["secrets"]["tls"]["cloudformation"]["cfn"]["public"] == (
        "cloudformation-tls-public")
    assert values["cinder"]["secrets"]["tls"] == {
        "volumev3": {"api": {"public": "cinder-tls-public"}}}


def test_a_namespaced_issuer_is_named_by_the_issuer_annotation():
    values = render(exposed(tls={"issuerRef": {"kind": "Issuer", "name": "ca"}}))
    annotations = values["keystone"]["network"]["api"]["ingress"]["annotations"]
    assert annotations == {"cert-manager.io/issuer": "ca"}


def test_an_admin_secret_is_served_by_every_ingress_and_nothing_is_requested():
    values = render(exposed(tls={"secretName": "wildcard-tls"}))
    assert values["horizon"]["secrets"]["tls"]["dashboard"]["dashboard"]["public"] == (
        "wildcard-tls")
    assert values["glance"]["secrets"]["tls"]["image"]["api"]["public"] == "wildcard-tls"
    assert "api" not in values["keystone"]["network"]
    tls = values["keystone"]["endpoints"]["identity"]["host_fqdn_override"]["public"]["tls"]
    assert tls == {"secretName": "wildcard-tls"}


def test_a_chart_renders_ingress_settings_only_for_the_endpoints_it_serves():
    values = render(exposed(tls=ISSUER, ingressClassName="public"))
    assert "network" not in values["placement"] or "osapi" not in values["placement"]["network"]
    assert "secrets" not in values["glance"] or "identity" not in values["glance"]["secrets"]["tls"]


def test_an_ingress_class_alone_keeps_http():
    values = render(exposed(ingressClassName="public"))
    identity = values["keystone"]["endpoints"]["identity"]
    assert identity["host_fqdn_override"]["public"] == {"host": f"keystone.{DOMAIN}"}
    assert "scheme" not in identity
    assert values["keystone"]["network"]["api"]["ingress"] == {"classes": {"namespace": "public"}}


def test_without_exposure_settings_only_the_public_host_is_rendered():
    values = render(spec(publicDomain=DOMAIN))
    assert values["keystone"]["endpoints"]["identity"]["host_fqdn_override"] == {
        "public": {"host": f"keystone.{DOMAIN}"}}
    assert "network" not in values["keystone"] and "secrets" not in values["keystone"]


def test_status_lists_the_public_url_of_every_enabled_service():
    urls = public_urls(exposed(tls=ISSUER))
    assert urls["keystone"] == f"https://keystone.{DOMAIN}"
    assert urls["horizon"] == f"https://horizon.{DOMAIN}"
    assert set(urls) == {e.host for e in PUBLIC_ENDPOINTS.values()}
    minimal = ControlPlaneSpec.model_validate({"publicDomain": DOMAIN})
    assert set(public_urls(minimal)) == {
        "keystone", "glance", "placement", "neutron", "nova", "metadata", "novncproxy"}
    assert public_urls(minimal)["nova"] == f"http://nova.{DOMAIN}"
    assert public_urls(ControlPlaneSpec()) == {}


@pytest.mark.parametrize(("image", "expected"), [
    ("quay.io/airshipit/nova:2025.1-ubuntu_noble",
     "m.example.com/airshipit/nova:2025.1-ubuntu_noble"),
    ("docker.io/openstackhelm/ospurge:latest", "m.example.com/openstackhelm/ospurge:latest"),
    ("docker.io/library/docker:17.07.0", "m.example.com/library/docker:17.07.0"),
    ("docker.io/rabbitmq:3.13-management", "m.example.com/library/rabbitmq:3.13-management"),
    ("openstackhelm/mariadb:latest", "m.example.com/openstackhelm/mariadb:latest"),
    ("memcached:1.6.32", "m.example.com/library/memcached:1.6.32"),
    ("registry.k8s.io:443/pause:3.9", "m.example.com/pause:3.9"),
    ("localhost/x/y:1", "m.example.com/x/y:1"),
])
def test_a_mirror_replaces_only_the_registry_host(image: str, expected: str):
    assert mirrored(image, "m.example.com") == expected


@pytest.mark.parametrize("release", ["2025.1", "2025.2", "2026.1"])
def test_a_mirror_rewrites_every_image_of_every_chart_including_chart_defaults(release: str):
    registry = "mirror.example.com:5000/osh"
    s = spec(openstackRelease=release, images={"registry": registry})
    catalog = load_release_catalog(release)
    for chart, values in render(s).items():
        tags = values.get("images", {}).get("tags", {})
        assert set(tags) >= set(catalog.chart_images(chart)), chart
        assert all(image.startswith(registry + "/") for image in tags.values()), chart
    assert render(s)["nova"]["images"]["tags"]["dep_check"] == (
        f"{registry}/airshipit/kubernetes-entrypoint:"
        + catalog.chart_images("nova")["dep_check"].rsplit(":", 1)[1])


def test_a_per_image_override_in_values_wins_over_the_mirror():
    own = "registry.internal/custom/keystone:patched"
    s = spec(images={"registry": "m.example.com"},
             services={"keystone": {"values": {"images": {"tags": {"keystone_api": own}}}}})
    tags = render(s)["keystone"]["images"]["tags"]
    assert tags["keystone_api"] == own
    assert tags["keystone_db_sync"].startswith("m.example.com/")
