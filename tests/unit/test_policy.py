"""Operator policy: the chart sources and values keys a control plane's creator may use."""

from __future__ import annotations

import pytest

from osprey.api import validate_spec
from osprey.policy import Policy
from osprey.valuesfrom import resolve

OSH = "https://tarballs.opendev.org/openstack/openstack-helm"


def spec(**fields):
    return validate_spec(fields)


def fields_of(violations):
    return [field for field, _ in violations]


def test_the_default_policy_allows_the_openstack_helm_repository():
    assert Policy().violations(spec()) == []
    assert Policy().violations(spec(charts={"repository": OSH + "/"})) == []


@pytest.mark.parametrize("repository", [
    "https://charts.example.com/openstack-helm",
    "http://169.254.169.254/latest",
    "oci://registry.example.com/openstack-helm",
    "https://tarballs.opendev.org/openstack/openstack-helm-evil",
])
def test_a_repository_the_policy_does_not_list_is_refused_naming_the_field(repository):
    [(field, message)] = Policy().violations(spec(charts={"repository": repository}))
    assert field == "spec.charts.repository"
    assert repository in message and "not allowed" in message and OSH in message


def test_repository_patterns_match_with_a_wildcard():
    policy = Policy(chart_repositories=("oci://registry.example.com/openstack/*",))
    assert policy.violations(spec(charts={"repository": "oci://registry.example.com/openstack/helm"})) == []
    assert fields_of(policy.violations(spec(charts={"repository": "oci://registry.example.com/x"}))) == [
        "spec.charts.repository"]


def test_local_chart_directories_are_refused_by_default():
    [(field, message)] = Policy().violations(spec(charts={"repository": "/srv/charts"}))
    assert field == "spec.charts.repository"
    assert "local chart directory /srv/charts is not allowed" in message


@pytest.mark.parametrize(("repository", "allowed"), [
    ("/srv/charts", True),
    ("/srv/charts/2025.1", True),
    ("/srv/charts/", True),
    ("/srv/charts-other", False),
    ("/srv/charts/../../etc", False),
    ("/srv/charts/./x", False),
    ("//srv/charts", False),
    ("/etc", False),
])
def test_local_chart_directories_are_allowed_only_under_a_configured_root(repository, allowed):
    policy = Policy(local_chart_roots=("/srv/charts",))
    assert (policy.violations(spec(charts={"repository": repository})) == []) is allowed


def test_extra_objects_in_values_are_refused_naming_the_field():
    violations = Policy().violations(spec(services={
        "keystone": {"values": {"extraObjects": [{"kind": "ClusterRoleBinding"}]}},
        "nova": {"libvirt": {"values": {"extraObjects": {"a": {"kind": "Pod"}}}}},
    }, infrastructure={"mariadb": {"values": {"extraObjects": []}}}))
    assert fields_of(violations) == [
        "spec.infrastructure.mariadb.values.extraObjects",
        "spec.services.keystone.values.extraObjects",
        "spec.services.nova.libvirt.values.extraObjects",
    ]
    assert all("denied by the operator's policy" in m for _, m in violations)


def test_other_values_keys_are_allowed():
    assert Policy().violations(spec(services={"keystone": {"values": {"pod": {"replicas": {}}}}})) == []


def test_the_deny_list_takes_dotted_paths():
    policy = Policy(denied_values_keys=("extraObjects", "manifests.job_rally"))
    violations = policy.violations(spec(services={
        "glance": {"values": {"manifests": {"job_rally": True, "deployment_api": True}}}}))
    assert fields_of(violations) == ["spec.services.glance.values.manifests.job_rally"]


def test_a_values_from_path_onto_a_denied_key_is_refused():
    violations = Policy().violations(spec(services={"keystone": {"valuesFrom": [
        {"configMapKeyRef": {"name": "objs", "key": "x"}, "path": "extraObjects.evil"}]}}))
    assert fields_of(violations) == ["spec.services.keystone.valuesFrom[0].path"]


def test_denied_keys_in_what_values_from_reads_are_refused_naming_the_reference():
    s = spec(services={"keystone": {"valuesFrom": [
        {"configMapKeyRef": {"name": "ok", "key": "values.yaml"}},
        {"secretKeyRef": {"name": "objs", "key": "values.yaml"}}]}})
    resolved = resolve(s, ["keystone"], {
        ("ConfigMap", "ok"): {"values.yaml": "pod: {replicas: {api: 2}}"},
        ("Secret", "objs"): {"values.yaml": "extraObjects: [{kind: ClusterRoleBinding}]"},
    })
    assert fields_of(Policy().violations(s, resolved)) == [
        "spec.services.keystone.valuesFrom[1].extraObjects"]
