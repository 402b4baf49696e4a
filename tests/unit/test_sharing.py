"""A configuration rendered by a release and held live by the watch cache is one string."""

import json

from osprey.releases import load_manifest
from osprey.sharing import SHARED_MIN_LENGTH, shared
from osprey.watchstore import KindStore

CONFIG = "c" * SHARED_MIN_LENGTH


def fresh(text: str) -> str:
    """An equal string that is another object (as every decode makes one)."""
    return json.loads(json.dumps(text))


def test_the_manifest_and_the_cache_hold_one_copy_of_a_large_value():
    manifest = load_manifest(
        f"kind: Secret\nmetadata: {{name: keystone-etc}}\ndata: {{keystone.conf: {fresh(CONFIG)}}}\n")
    store = KindStore(lambda _: True, kind="Secret")
    live = {"metadata": {"name": "keystone-etc", "namespace": "ns", "resourceVersion": "1"},
            "data": {"keystone.conf": fresh(CONFIG)}}
    assert live["data"]["keystone.conf"] is not manifest[0]["data"]["keystone.conf"]
    store.apply("ADDED", live)
    held = store.namespace("ns")["keystone-etc"]
    assert held["data"]["keystone.conf"] is manifest[0]["data"]["keystone.conf"]


def test_small_values_other_kinds_and_other_keys_are_left_as_they_are():
    small = {"kind": "ConfigMap", "data": {"a": fresh("x" * 10)}}
    deployment = {"kind": "Deployment", "data": {"a": fresh(CONFIG)}}
    before = (small["data"]["a"], deployment["data"]["a"])
    shared(small)
    shared(deployment)
    assert (small["data"]["a"], deployment["data"]["a"]) == before
    assert deployment["data"]["a"] is before[1] and small["data"]["a"] is before[0]
