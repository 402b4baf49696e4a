"""Which Secrets and ConfigMaps Osprey's narrowed watches must see, and which lack the label."""

from __future__ import annotations

import kopf
from kopf._cogs.structs.references import Resource

from osprey.narrowing import WATCH_SELECTOR, narrow_watches, newest_records, unlabelled


def test_kopf_watches_secrets_and_config_maps_with_the_label_selector_only():
    settings = kopf.OperatorSettings()
    narrow_watches(settings)
    secrets = Resource("", "v1", "secrets", kind="Secret", namespaced=True)
    configmaps = Resource("", "v1", "configmaps", kind="ConfigMap", namespaced=True)
    deployments = Resource("apps", "v1", "deployments", kind="Deployment", namespaced=True)
    assert list(settings.watching.label_selectors.collect(secrets)) == [WATCH_SELECTOR]
    assert list(settings.watching.label_selectors.collect(configmaps)) == [WATCH_SELECTOR]
    assert list(settings.watching.label_selectors.collect(deployments)) == []


def named(name: str, labels: dict[str, str] | None = None,
          annotations: dict[str, str] | None = None):
    return {"metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}}}


OURS = {"osprey.dev/control-plane": "openstack"}


def record(release: str, version: int, **labels: str):
    return named(f"sh.helm.release.v1.{release}.v{version}",
                 {"owner": "helm", "name": release, "version": str(version), **labels})


def test_objects_of_our_releases_without_the_label_are_to_be_stamped():
    secrets = [
        record("keystone", 1, **OURS),
        named("keystone-db", {"release_group": "keystone"}),
        named("openstack-credentials", {"app.kubernetes.io/managed-by": "osprey"}),
        named("stamped", {"release_group": "keystone", "osprey.dev/watch": "true"}),
        named("users-tls", {"app": "mine"}),
    ]
    configmaps = [named("keystone-etc", annotations={"meta.helm.sh/release-name": "keystone"}),
                  named("kube-root-ca.crt")]
    assert unlabelled(secrets, configmaps) == [
        ("ConfigMap", "keystone-etc"), ("Secret", "keystone-db"),
        ("Secret", "openstack-credentials"), ("Secret", "sh.helm.release.v1.keystone.v1")]


def test_only_the_newest_record_of_our_release_without_the_label_is_to_be_stamped():
    secrets = [record("keystone", 2, **OURS), record("keystone", 3, **OURS),
               record("glance", 1, **OURS, **{"osprey.dev/watch": "true"})]
    assert unlabelled(secrets, []) == [("Secret", "sh.helm.release.v1.keystone.v3")]


def test_a_release_installed_by_hand_is_left_untouched():
    secrets = [record("memcached", 1), named("memcached-etc", {"release_group": "memcached"})]
    configmaps = [named("memcached-bin", annotations={"meta.helm.sh/release-name": "memcached"})]
    assert unlabelled(secrets, configmaps) == []


def test_newest_records_come_from_the_records_labels():
    secrets = [record("keystone", 2), record("keystone", 10, **OURS), record("glance", 1),
               named("other")]
    assert newest_records(secrets) == {"keystone": (10, "openstack"), "glance": (1, "")}
