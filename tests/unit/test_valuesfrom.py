"""spec.*.valuesFrom: values from Secrets and ConfigMaps, merged in order under `values`."""

from __future__ import annotations

import base64

import pytest

from osprey import catalog
from osprey.api import SpecError, validate_spec
from osprey.plan import plan
from osprey.valuesfrom import ValuesFromError, decode_data, resolve, sources

CEPH_KEY = "AQBx8k5lAAAAABAAwE3UQ6tq8pQ2tq6m8Ayb7w=="


def glance(*refs, values=None):
    return validate_spec({"services": {"glance": {"valuesFrom": list(refs),
                                                  "values": values or {}}}})


def secret_ref(name, key, **extra):
    return {"secretKeyRef": {"name": name, "key": key}, **extra}


def config_map_ref(name, key, **extra):
    return {"configMapKeyRef": {"name": name, "key": key}, **extra}


def credentials(spec):
    return {key: f"pw-{key}" for key in catalog.credential_keys(spec)}


def test_a_secret_key_is_set_as_a_string_at_its_path_in_the_release_values():
    s = glance(secret_ref("ceph", "key", path="conf.ceph.admin_keyring"))
    resolved = resolve(s, ["glance"], {("Secret", "ceph"): {"key": CEPH_KEY}})
    values = plan(s, "openstack", credentials(s), resolved.charts)["glance"].values
    assert values["conf"]["ceph"]["admin_keyring"] == CEPH_KEY
    assert resolved.secret_strings == {CEPH_KEY}
    assert resolved.secret_paths("glance") == (("conf", "ceph", "admin_keyring"),)


def test_references_merge_in_order_and_the_specs_values_win():
    s = glance(config_map_ref("a", "values.yaml"), config_map_ref("b", "values.yaml"),
               values={"pod": {"replicas": {"api": 5}}})
    resolved = resolve(s, ["glance"], {
        ("ConfigMap", "a"): {"values.yaml": "pod: {replicas: {api: 2, registry: 2}}\nx: a"},
        ("ConfigMap", "b"): {"values.yaml": "pod: {replicas: {registry: 3}}"},
    })
    values = plan(s, "openstack", credentials(s), resolved.charts)["glance"].values
    assert (values["pod"]["replicas"]["api"], values["pod"]["replicas"]["registry"]) == (5, 3)
    assert values["x"] == "a"
    assert resolved.secret_strings == frozenset()


def test_a_changed_secret_changes_the_release_hash():
    s = glance(secret_ref("ceph", "key", path="conf.ceph.admin_keyring"))

    def digest(value):
        resolved = resolve(s, ["glance"], {("Secret", "ceph"): {"key": value}})
        return plan(s, "openstack", credentials(s), resolved.charts)["glance"].hash

    assert digest("one") != digest("two")


def test_a_missing_secret_or_key_is_an_error_naming_the_reference():
    s = glance(secret_ref("ceph", "key", path="a"), config_map_ref("cm", "nope", path="b"))
    with pytest.raises(ValuesFromError) as caught:
        resolve(s, ["glance"], {("Secret", "ceph"): None, ("ConfigMap", "cm"): {"other": "x"}})
    assert caught.value.errors == [
        ("spec.services.glance.valuesFrom[0].secretKeyRef",
         "Secret 'ceph' not found in the control plane's namespace (or set optional: true)"),
        ("spec.services.glance.valuesFrom[1].configMapKeyRef",
         "ConfigMap 'cm' has no key 'nope' (or set optional: true)"),
    ]


def test_an_optional_reference_that_is_missing_is_skipped():
    s = glance(secret_ref("ceph", "key", path="a", optional=True))
    assert resolve(s, ["glance"], {("Secret", "ceph"): None}).charts == {}


def test_content_merged_at_the_root_must_be_a_mapping():
    s = glance(config_map_ref("cm", "v"))
    with pytest.raises(ValuesFromError, match=r"valuesFrom\[0\].configMapKeyRef: .*holds a list"):
        resolve(s, ["glance"], {("ConfigMap", "cm"): {"v": "- a\n- b"}})


def test_references_of_disabled_charts_are_not_read():
    s = validate_spec({"services": {"heat": {"valuesFrom": [secret_ref("h", "k", path="a")]}}})
    enabled = [e.name for e in catalog.enabled_entries(s)]
    assert sources(s, enabled) == set()
    assert sources(s, ["heat"]) == {("Secret", "h")}


def test_a_reference_names_exactly_one_source():
    with pytest.raises(SpecError) as caught:
        glance({"secretKeyRef": {"name": "a", "key": "k"},
                "configMapKeyRef": {"name": "b", "key": "k"}})
    assert ("spec.services.glance.valuesFrom[0].secretKeyRef",
            "exactly one of secretKeyRef and configMapKeyRef must be set") in caught.value.errors


def test_a_path_must_be_a_dotted_values_path():
    with pytest.raises(SpecError, match=r"valuesFrom\[0\]\.path: must be a dotted values path"):
        glance(secret_ref("a", "k", path="conf..x"))


def test_secret_data_is_decoded_and_binary_keys_are_left_out():
    data = decode_data({"kind": "Secret", "data": {
        "key": base64.b64encode(CEPH_KEY.encode()).decode(),
        "blob": base64.b64encode(b"\xff\xfe").decode()}})
    assert data == {"key": CEPH_KEY}
