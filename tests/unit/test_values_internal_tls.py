"""Values of spec.tls.internal: certificates per internal endpoint from the public issuer,
https schemes, the CA trusted by clients, the servers' TLS configs and MariaDB's TLS."""

from __future__ import annotations

from typing import Any

import pytest

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog import ValuesContext, credential_keys, enabled_entries, load_release_catalog
from osprey.catalog.values.internal_tls import (
    INTERNAL_ENDPOINTS,
    MARIADB_SECRET,
    internal_certificates,
)

DOMAIN = "cloud.example.com"
ISSUER = {"kind": "ClusterIssuer", "name": "ca-issuer"}
COVERED = ("keystone", "glance", "placement", "neutron", "nova")


def spec(internal: bool = True, **data: Any) -> ControlPlaneSpec:
    return ControlPlaneSpec.model_validate({
        "publicDomain": DOMAIN, "endpoints": {"tls": {"issuerRef": ISSUER}},
        "tls": {"internal": internal}, **data})


def render(s: ControlPlaneSpec) -> dict[str, dict[str, Any]]:
    ctx = ValuesContext(
        spec=s, namespace="openstack", release=load_release_catalog(s.openstackRelease),
        credentials={key: f"secret-{key}" for key in credential_keys(s)})
    return {item.name: item.values(ctx) for item in enabled_entries(s)}


def test_without_internal_tls_no_chart_renders_certificates():
    for chart, values in render(spec(internal=False)).items():
        assert "certificates" not in values.get("manifests", {}), chart
        for endpoint in values.get("endpoints", {}).values():
            assert "default" not in (endpoint.get("host_fqdn_override") or {}), chart


@pytest.mark.parametrize("chart", COVERED)
def test_each_service_renders_a_certificate_from_the_issuer_per_internal_endpoint_it_serves(
        chart: str):
    values = render(spec())[chart]
    assert values["manifests"]["certificates"] is True
    served = {t: e for t, e in INTERNAL_ENDPOINTS.items() if e.service == chart}
    assert served
    for endpoint_type, endpoint in served.items():
        override = values["endpoints"][endpoint_type]["host_fqdn_override"]["default"]
        assert override == {"tls": {"secretName": endpoint.secret, "issuerRef": ISSUER}}
        network = values["secrets"]["tls"][endpoint_type][endpoint.network]
        assert network["internal"] == endpoint.secret


def test_every_chart_reaches_every_internal_endpoint_it_lists_over_https():
    for chart in COVERED:
        endpoints = render(spec())[chart]["endpoints"]
        listed = [t for t in endpoints if t in INTERNAL_ENDPOINTS]
        assert "identity" in listed, chart
        for endpoint_type in listed:
            scheme = endpoints[endpoint_type]["scheme"]
            assert scheme["default"] == scheme["internal"] == scheme["service"] == "https", (
                chart, endpoint_type)


def test_keystone_jobs_of_every_chart_trust_the_mounted_ca():
    for chart in COVERED:
        auth = render(spec())[chart]["endpoints"]["identity"]["auth"]
        assert {user: entry.get("cacert") for user, entry in auth.items()} == {
            user: "/etc/ssl/certs/openstack-helm.crt" for user in auth}, chart


def test_services_verify_the_apis_they_call_with_their_own_certificates_ca():
    values = render(spec())
    assert values["nova"]["conf"]["nova"]["placement"]["cafile"] == "/etc/nova/certs/ca.crt"
    assert values["nova"]["conf"]["nova"]["keystone_authtoken"]["cafile"] == \
        "/etc/nova/certs/ca.crt"
    assert values["glance"]["conf"]["glance"]["keystone_authtoken"]["cafile"] == \
        "/etc/glance/certs/ca.crt"
    assert values["neutron"]["conf"]["metadata_agent"]["DEFAULT"][
        "nova_metadata_protocol"] == "https"


def test_keystone_mounts_its_certificate_and_apache_serves_it():
    keystone = render(spec())["keystone"]
    assert keystone["tls"]["identity"] is True
    assert keystone["conf"]["software"]["apache2"]["a2enmod"] == ["ssl"]
    site = keystone["conf"]["wsgi_keystone"]
    assert "SSLEngine on" in site
    assert "SSLCertificateFile /etc/keystone/certs/tls.crt" in site
    assert "SSLCertificateKeyFile /etc/keystone/certs/tls.key" in site
    assert '"identity" "service" "api"' in site  # listens on the Service's port


@pytest.mark.parametrize(("release", "script"), [
    ("2025.1", "/var/www/cgi-bin/keystone/keystone-wsgi-public"),
    ("2025.2", "/var/www/cgi-bin/keystone/wsgi.py"),
])
def test_keystones_site_runs_the_wsgi_script_of_its_release(release: str, script: str):
    site = render(spec(openstackRelease=release))["keystone"]["conf"]["wsgi_keystone"]
    assert f"WSGIScriptAlias / {script}" in site


def test_placement_and_nova_switch_to_apache_with_a_tls_site_per_api():
    values = render(spec())
    assert "SSLEngine on" in values["placement"]["conf"]["wsgi_placement"]
    assert values["placement"]["conf"]["software"]["apache2"]["binary"] == "apache2"
    for key, certs in [("wsgi_nova_api", "/etc/nova/certs"),
                       ("wsgi_nova_metadata", "/etc/nova/certs")]:
        assert f"SSLCertificateFile {certs}/tls.crt" in values["nova"]["conf"][key]


@pytest.mark.parametrize(("chart", "port"), [("glance", 9292), ("neutron", 9696)])
def test_glance_and_neutron_put_nginx_with_tls_in_front_of_a_loopback_uwsgi(chart: str,
                                                                           port: int):
    conf = render(spec())[chart]["conf"]
    assert "ssl_certificate /etc/nginx/certs/tls.crt;" in conf["nginx"]
    assert "listen $POD_IP:$PORT ssl;" in conf["nginx"]
    assert conf[f"{chart}_api_uwsgi"]["uwsgi"]["http-socket"] == f"127.0.0.1:{port}"


@pytest.mark.parametrize(("kind", "annotation"), [("ClusterIssuer", "cluster-issuer"),
                                                  ("Issuer", "issuer")])
def test_the_charts_ingresses_name_the_issuer_by_its_kind(kind: str, annotation: str):
    s = spec(endpoints={"tls": {"issuerRef": {"kind": kind, "name": "ca-issuer"}}})
    for chart in COVERED:
        assert render(s)[chart]["cert_issuer_type"] == annotation, chart


def test_public_ingresses_reach_their_backends_over_https():
    nova = render(spec())["nova"]
    for network in ("osapi", "metadata"):
        annotations = nova["network"][network]["ingress"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS"


def test_nova_gives_its_console_proxies_certificates_it_renders_but_they_stay_plain():
    endpoints = render(spec())["nova"]["endpoints"]
    for endpoint_type in ("compute_novnc_proxy", "compute_spice_proxy", "compute_serial_proxy"):
        assert endpoints[endpoint_type]["host_fqdn_override"]["default"]["tls"][
            "issuerRef"] == ISSUER
        assert endpoints[endpoint_type].get("scheme", {}).get("default") != "https"


def test_mariadb_serves_tls_with_the_certificate_the_services_connect_with():
    values = render(spec())
    mariadb = values["mariadb"]
    assert mariadb["manifests"]["certificates"] is True
    assert mariadb["endpoints"]["oslo_db"]["host_fqdn_override"]["default"]["tls"] == {
        "secretName": MARIADB_SECRET, "issuerRef": ISSUER}
    for chart in COVERED:
        admin = values[chart]["endpoints"]["oslo_db"]["auth"]["admin"]
        assert admin["secret"]["tls"]["internal"] == MARIADB_SECRET, chart


def test_rabbitmq_stays_plain_its_client_secret_is_not_mounted():
    values = render(spec())
    assert "manifests" not in values["rabbitmq"] or \
        "certificates" not in values["rabbitmq"]["manifests"]
    for chart in COVERED:
        messaging = values[chart]["endpoints"]["oslo_messaging"]
        assert messaging["auth"]["admin"]["secret"]["tls"]["internal"] == "", chart
        # the charts' `https` management port lookup lands on the plain listener
        assert messaging["port"]["https"]["default"] == 15672, chart


def test_expected_internal_certificates_are_those_of_the_deployed_releases():
    s = spec()
    assert internal_certificates(s, ["mariadb", "keystone", "nova"]) == {
        "keystone-tls-api": "the internal identity endpoint",
        "keystone-tls-public-ing": "the keystone Ingress of in-cluster host names",
        "nova-tls-api": "the internal compute endpoint",
        "nova-tls-public-ing": "the nova Ingress of in-cluster host names",
        "metadata-tls-metadata": "the internal compute_metadata endpoint",
        "metadata-tls-public-ing": "the metadata Ingress of in-cluster host names",
        MARIADB_SECRET: "MariaDB",
    }
    assert internal_certificates(spec(internal=False), ["mariadb", "keystone"]) == {}
