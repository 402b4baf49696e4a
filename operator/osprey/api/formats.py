"""String formats of the API: Kubernetes names, Helm versions, quantities, domains.

Each pattern means the same in RE2 (kube-apiserver), Rust (pydantic) and Python; those without
a backslash also serve as CEL string literals. `PATTERN_MEANINGS` says in words what each
expects, for the operator's error messages.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# A Kubernetes resource quantity as used for storage sizes (e.g. 10Gi, 500Mi, 1T).
QUANTITY_PATTERN = r"^([0-9]+(\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$"
Quantity = Annotated[str, Field(max_length=32, pattern=QUANTITY_PATTERN, examples=["10Gi"])]

# Names as kube-apiserver checks them (apimachinery's IsDNS1123Subdomain, IsQualifiedName,
# IsValidLabelValue).
DNS_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
LABEL_VALUE_PATTERN = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
# A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters;
# the second pattern bounds the prefix to 253 characters.
LABEL_KEY_PATTERNS = (
    (r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
     r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"),
    r"^([^/]{1,253}/)?[^/]+$",
)
StorageClassName = Annotated[str, Field(max_length=253, pattern=DNS_SUBDOMAIN_PATTERN)]
LabelValue = Annotated[str, Field(max_length=63, pattern=LABEL_VALUE_PATTERN)]
# A rotation request (spec.credentials.rotate): a non-empty label value, e.g. 2026-12-01 or 3.
ROTATION_TOKEN_PATTERN = r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
RotationToken = Annotated[
    str, Field(min_length=1, max_length=63, pattern=ROTATION_TOKEN_PATTERN, examples=["1"])]

# What osprey.versions.VersionPin takes: a release line (2025.1: its newest patch) or one chart
# version, build metadata allowed (2025.1.3, 2025.1.3+0ee5adeff, 2025.2.0-rc.1).
_NUMBER = r"(0|[1-9][0-9]*)"
_IDENTIFIERS = r"[0-9A-Za-z-]+([.][0-9A-Za-z-]+)*"
CHART_VERSION_PATTERN = (
    rf"^v?{_NUMBER}[.]{_NUMBER}([.]{_NUMBER}(-{_IDENTIFIERS})?([+]{_IDENTIFIERS})?)?$")
ChartVersion = Annotated[
    str, Field(max_length=64, pattern=CHART_VERSION_PATTERN, examples=["2025.1.0"])]

# The longest public host Osprey puts under spec.publicDomain is `cloudformation.<domain>`
# (heat's CloudFormation API); a host name is at most 253 characters.
PUBLIC_DOMAIN_MAX_LENGTH = 253 - len("cloudformation.")
PUBLIC_DOMAIN_PATTERN = r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?[.])+[a-z]{2,63}$"

# A registry mirror: a host (with at least one dot, or localhost), an optional port, an
# optional path of lowercase repository components; no scheme, no trailing slash.
REGISTRY_PATTERN = (
    r"^(localhost|([a-z0-9]([-a-z0-9]*[a-z0-9])?[.])+[a-z0-9]([-a-z0-9]*[a-z0-9])?)"
    r"(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$")

REGION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
CHART_REPOSITORY_PATTERN = r"^(https?://|oci://|/).+"
# A key of a Secret's or ConfigMap's data (apimachinery's IsConfigMapKey).
DATA_KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"
# A dotted path into chart values, e.g. conf.ceph.keyring.
VALUES_PATH_PATTERN = r"^[A-Za-z0-9_-]+([.][A-Za-z0-9_-]+)*$"

PATTERN_MEANINGS = {
    QUANTITY_PATTERN: "must be a quantity such as 500Mi, 10Gi or 1Ti",
    DNS_SUBDOMAIN_PATTERN: (
        "must be a DNS subdomain: lowercase alphanumerics, '-' and '.', beginning and ending "
        "with an alphanumeric"),
    LABEL_VALUE_PATTERN: (
        "must be a label value: alphanumerics, '-', '_' and '.', beginning and ending with an "
        "alphanumeric"),
    CHART_VERSION_PATTERN: (
        "must be a release line or a chart version, e.g. 2025.1 (its newest patch), 2025.1.3 "
        "or 2025.1.3+0ee5adeff"),
    PUBLIC_DOMAIN_PATTERN: (
        "must be a DNS domain of lowercase labels of at most 63 characters, e.g. "
        "cloud.example.com"),
    REGISTRY_PATTERN: (
        "must be a registry host with an optional port and path, e.g. registry.example.com "
        "or mirror.example.com:5000/openstack (no scheme, no trailing slash)"),
    REGION_PATTERN: (
        "must begin with a letter or digit, followed by letters, digits, '_', '.' or '-'"),
    CHART_REPOSITORY_PATTERN: (
        "must be an https://, http:// or oci:// URL, or an absolute path"),
    DATA_KEY_PATTERN: "must be a data key: alphanumerics, '-', '_' or '.'",
    VALUES_PATH_PATTERN: (
        "must be a dotted values path of alphanumerics, '-' and '_', e.g. conf.ceph.keyring"),
}
