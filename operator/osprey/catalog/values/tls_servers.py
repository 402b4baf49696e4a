"""The server side of internal TLS: the configs that make each API serve https.

OpenStack-Helm's `manifests.certificates` (charts up to 2026.1.0) mounts each API's
Certificate Secret and switches placement and nova from uwsgi to Apache and glance and
neutron to an nginx container in front of uwsgi, but ships no config for either: its own
`values_overrides/<chart>/tls.yaml` supplies them. Osprey writes its own here, from the
facts those need: the port each listens on (helm-toolkit's `service` port lookup, so the
Service and the catalog keep their ports), where the chart mounts the certificate, and which
WSGI script each image has. Keystone already runs Apache: its whole site is replaced, as
OpenStack-Helm's override does. The texts are chart templates (`tpl`), rendered by the chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osprey.catalog.values.merge import deep_merge

# Modern TLS only (Mozilla's "intermediate" profile allows TLS 1.2 and 1.3).
APACHE_TLS = "SSLProtocol -all +TLSv1.2 +TLSv1.3"
NGINX_TLS = "ssl_protocols TLSv1.2 TLSv1.3;"


@dataclass(frozen=True)
class WsgiSite:
    """An Apache virtual host serving one WSGI application over TLS."""

    endpoint_type: str  # endpoints.<type> whose `service` port it listens on
    port: str  # the endpoint's port key
    host: str  # the Service's short name (ServerName is its cluster FQDN)
    process: str  # WSGIDaemonProcess name
    user: str
    script: str  # the WSGI script of the image
    certs: str  # where the chart mounts the endpoint's Certificate Secret

    def render(self) -> str:
        script_dir = self.script.rsplit("/", 1)[0]
        port = (f'{{{{- $port := tuple "{self.endpoint_type}" "service" "{self.port}" $ '
                '| include "helm-toolkit.endpoints.endpoint_port_lookup" }}')
        server_name = (f'{{{{ printf "%s.%s.svc.%s" "{self.host}" .Release.Namespace '
                       ".Values.endpoints.cluster_domain_suffix }}")
        return "\n".join([
            port,
            "Listen 0.0.0.0:{{ $port }}",
            "ErrorLog /dev/stdout",
            "CustomLog /dev/stdout combined",
            "<VirtualHost *:{{ $port }}>",
            f"  ServerName {server_name}",
            (f"  WSGIDaemonProcess {self.process} processes=1 threads=1 user={self.user} "
            f"group={self.user} display-name=%{{GROUP}}"),
            f"  WSGIProcessGroup {self.process}",
            f"  WSGIScriptAlias / {self.script}",
            "  WSGIApplicationGroup %{GLOBAL}",
            "  WSGIPassAuthorization On",
            f"  <Directory {script_dir}>",
            "    Require all granted",
            "  </Directory>",
            "  SSLEngine on",
            f"  SSLCertificateFile {self.certs}/tls.crt",
            f"  SSLCertificateKeyFile {self.certs}/tls.key",
            f"  {APACHE_TLS}",
            "</VirtualHost>",
            "",
        ])


def nginx_proxy(host: str) -> str:
    """nginx terminating TLS on the pod's API port ($POD_IP:$PORT, set by the chart) for the
    uwsgi behind it on 127.0.0.1:$PORT; the certificate is mounted at /etc/nginx/certs."""
    server_name = (f'{{{{ printf "%s.%s.svc.%s" "{host}" .Release.Namespace '
                   ".Values.endpoints.cluster_domain_suffix }}")
    return "\n".join([
        "worker_processes 1;",
        "daemon off;",
        "user nginx;",
        "events {",
        "  worker_connections 1024;",
        "}",
        "http {",
        "  access_log /dev/stdout;",
        "  error_log /dev/stdout;",
        "  server {",
        f"    server_name {server_name};",
        "    listen $POD_IP:$PORT ssl;",
        "    ssl_certificate /etc/nginx/certs/tls.crt;",
        "    ssl_certificate_key /etc/nginx/certs/tls.key;",
        f"    {NGINX_TLS}",
        "    client_max_body_size 0;",
        "    location / {",
        "      proxy_http_version 1.1;",
        "      proxy_pass http://127.0.0.1:$PORT;",
        "      proxy_read_timeout 90;",
        "      proxy_set_header Host $host;",
        "      proxy_set_header X-Forwarded-Proto https;",
        "    }",
        "  }",
        "}",
        "",
    ])


# Debian's Apache layout, for charts whose values carry no `conf.software.apache2` (placement).
APACHE_DEBIAN = {
    "binary": "apache2",
    "start_parameters": "-DFOREGROUND",
    "site_dir": "/etc/apache2/sites-enabled",
    "conf_dir": "/etc/apache2/conf-enabled",
    "mods_dir": "/etc/apache2/mods-available",
    "a2enmod": ["ssl"],
    "a2dismod": None,
}


def server_values(chart: str, series: tuple[int, int]) -> dict[str, Any]:
    """The config `chart` (of OpenStack-Helm series `series`, 2025.1 or 2025.2: spec
    validation refuses internal TLS with 2026.1) needs to serve its APIs over TLS; empty for
    a chart Osprey does not configure."""
    if chart == "keystone":
        # The script the chart's own site runs: keystone-wsgi-public up to 2025.1, then
        # wsgi.py (`conf.wsgi_script_name` of the 2025.2 chart).
        script = ("/var/www/cgi-bin/keystone/wsgi.py" if series >= (2025, 2)
                  else "/var/www/cgi-bin/keystone/keystone-wsgi-public")
        site = WsgiSite("identity", "api", "keystone-api", "keystone-public", "keystone",
                        script, "/etc/keystone/certs")
        return {"conf": {"software": {"apache2": {"a2enmod": ["ssl"]}},
                         "wsgi_keystone": site.render()}}
    if chart == "placement":
        # The chart's start script copies placement-api there before starting Apache.
        site = WsgiSite("placement", "api", "placement-api", "placement-api", "placement",
                        "/var/www/cgi-bin/placement/placement-api", "/etc/placement/certs")
        return {"conf": {"software": {"apache2": APACHE_DEBIAN},
                         "wsgi_placement": site.render()}}
    if chart == "nova":
        bin_dir = "/var/www/cgi-bin/nova"  # where the chart's start scripts copy them
        api = WsgiSite("compute", "api", "nova-api", "nova-api", "nova",
                       f"{bin_dir}/nova-api-wsgi", "/etc/nova/certs")
        metadata = WsgiSite("compute_metadata", "metadata", "nova-metadata", "nova-metadata",
                            "nova", f"{bin_dir}/nova-metadata-wsgi", "/etc/nova/certs")
        # Apache writes its run files and binds as root before dropping to `nova`.
        writable = {"runAsUser": 0, "readOnlyRootFilesystem": False}
        return deep_merge(
            {"conf": {"software": {"apache2": {"a2enmod": ["ssl"]}},
                      "wsgi_nova_api": api.render(), "wsgi_nova_metadata": metadata.render()}},
            {"pod": {"security_context": {"nova": {"container": {
                "nova_api": writable, "nova_osapi": writable}}}}})
    if chart == "glance":
        return {"conf": {"nginx": nginx_proxy("glance-api"),
                         "glance_api_uwsgi": {"uwsgi": {"http-socket": "127.0.0.1:9292"}}},
                "pod": {"security_context": {"glance": {"pod": {"runAsUser": 0}}}}}
    if chart == "neutron":
        writable = {"readOnlyRootFilesystem": False}
        return {"conf": {"nginx": nginx_proxy("neutron-server"),
                         "neutron_api_uwsgi": {"uwsgi": {"http-socket": "127.0.0.1:9696"}},
                         "neutron": {"DEFAULT": {"bind_host": "127.0.0.1"}}},
                "pod": {"security_context": {
                    "neutron_server": {"pod": {"runAsUser": 0},
                                       "container": {"neutron_server": writable}}}}}
    return {}
