"""What people read never shows a secret: rendered values, status, Events."""

from __future__ import annotations

import pytest

from osprey.masking import MASK, looks_secret, mask_values, redact, redact_strings


@pytest.mark.parametrize("key", ["password", "db_password", "memcache_secret_key", "apiKey",
                                 "token", "admin_keyring", "tls.key", "passphrase"])
def test_keys_that_name_a_secret_look_secret(key):
    assert looks_secret(key)


@pytest.mark.parametrize("key", ["keystone", "keys", "monkey", "secrets", "identity", "host"])
def test_keys_that_merely_contain_the_letters_do_not(key):
    assert not looks_secret(key)


def test_everything_under_a_secret_key_is_masked_and_the_rest_kept():
    values = {"endpoints": {"identity": {"auth": {"admin": {"password": "pw", "username": "a"}}}},
              "conf": {"ceph": {"keyring": {"client": "k", "n": 1}}}, "flag": True}
    masked = mask_values(values)
    assert masked["endpoints"]["identity"]["auth"]["admin"] == {"password": MASK, "username": "a"}
    assert masked["conf"]["ceph"]["keyring"] == {"client": MASK, "n": MASK}
    assert masked["flag"] is True
    assert values["conf"]["ceph"]["keyring"]["client"] == "k"  # a copy


def test_known_secrets_and_secret_paths_are_masked_wherever_they_are():
    values = {"conf": {"url": "mysql://u:s3cr3t-value@db", "ceph": {"monitors": "m1"}}}
    masked = mask_values(values, secrets=["s3cr3t-value"], paths=[("conf", "ceph", "monitors")])
    assert masked == {"conf": {"url": MASK, "ceph": {"monitors": MASK}}}


def test_redact_replaces_known_secrets_in_text_but_not_short_strings():
    assert redact("failed: key s3cr3t-value rejected", ["s3cr3t-value", "true"]) == (
        f"failed: key {MASK} rejected")
    assert redact_strings({"m": ["a s3cr3t-value"], "n": 1}, ["s3cr3t-value"]) == {
        "m": [f"a {MASK}"], "n": 1}
