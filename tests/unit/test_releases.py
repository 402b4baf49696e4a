"""Helm's release storage decoded without helm: what a pass knows of every release."""

import base64
import gzip
import json

from osprey.releases import ReleaseDecoder, values_hash


def storage_secret(name, revision, status, *, values=None, manifest="", hooks=(), rv="1",
                   version="2025.1.0"):
    release = {
        "name": name,
        "namespace": "ns",
        "version": revision,
        "info": {"status": status, "last_deployed": "2026-01-01T00:00:00Z"},
        "chart": {"metadata": {"name": name, "version": version}},
        "config": values or {},
        "manifest": manifest,
        "hooks": [{"manifest": h} for h in hooks],
    }
    helm_encoded = base64.b64encode(gzip.compress(json.dumps(release).encode())).decode()
    return {
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v{revision}",
            "resourceVersion": rv,
            "labels": {"owner": "helm", "name": name, "status": status, "version": str(revision)},
        },
        "data": {"release": base64.b64encode(helm_encoded.encode()).decode()},
    }


DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: keystone-api\n"
JOB = (
    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: keystone-db-sync\n"
    "  annotations:\n    helm.sh/hook: post-install,post-upgrade\n"
)


def test_the_newest_revision_of_each_release_wins():
    decoder = ReleaseDecoder()
    releases = decoder.latest([
        storage_secret("keystone", 1, "superseded"),
        storage_secret("keystone", 2, "deployed", values={"pod": {"replicas": {"api": 2}}}),
        storage_secret("mariadb", 1, "deployed"),
    ])
    assert set(releases) == {"keystone", "mariadb"}
    assert releases["keystone"].revision == 2
    assert releases["keystone"].values == {"pod": {"replicas": {"api": 2}}}


def test_manifest_and_hooks_are_parsed_into_objects():
    release = ReleaseDecoder().latest(
        [storage_secret("keystone", 1, "deployed", manifest=DEPLOYMENT, hooks=[JOB])]
    )["keystone"]
    assert [o["kind"] for o in release.manifest] == ["Deployment"]
    assert [o["metadata"]["name"] for o in release.hooks] == ["keystone-db-sync"]


def test_a_pending_upgrade_remembers_the_last_deployed_revision():
    release = ReleaseDecoder().latest([
        storage_secret("mariadb", 1, "superseded"),
        storage_secret("mariadb", 2, "deployed"),
        storage_secret("mariadb", 3, "pending-upgrade"),
    ])["mariadb"]
    assert release.pending
    assert release.deployed_revision == 2


def test_a_pending_install_has_no_deployed_revision():
    release = ReleaseDecoder().latest([storage_secret("rabbitmq", 1, "pending-install")])[
        "rabbitmq"
    ]
    assert release.pending and release.deployed_revision is None


def test_secrets_not_written_by_helm_are_ignored():
    other = storage_secret("keystone", 1, "deployed")
    other["metadata"]["labels"] = {"owner": "someone-else"}
    assert ReleaseDecoder().latest([other]) == {}


def test_the_values_hash_matches_the_hash_of_the_same_chart_and_values():
    values = {"a": 1, "b": {"c": [1, 2]}}
    release = ReleaseDecoder().latest([storage_secret("nova", 1, "deployed", values=values)])[
        "nova"
    ]
    assert release.values_hash == values_hash("nova", {"b": {"c": [1, 2]}, "a": 1})
    assert release.values_hash != values_hash("nova", {"a": 2, "b": {"c": [1, 2]}})
    assert release.values_hash != values_hash("placement", values)


def test_the_version_helm_recorded_is_kept_with_its_build_metadata():
    secret = storage_secret("nova", 1, "deployed", version="2025.1.3+0ee5adeff")
    assert ReleaseDecoder().latest([secret])["nova"].version == "2025.1.3+0ee5adeff"


def test_decoding_happens_once_per_resource_version():
    decoder = ReleaseDecoder()
    secret = storage_secret("nova", 1, "deployed")
    first = decoder.latest([secret])["nova"]
    secret["data"] = {"release": "not-decodable-any-more"}
    assert decoder.latest([secret])["nova"] == first


def test_integral_floats_hash_as_helm_stores_them():
    assert values_hash("nova", {"ratio": 1.0, "l": [2.0]}) == values_hash(
        "nova", {"ratio": 1, "l": [2]})
    assert values_hash("nova", {"ratio": 1.5}) != values_hash("nova", {"ratio": 1})


def test_the_owner_and_start_of_a_release_come_from_its_newest_record():
    first = storage_secret("nova", 1, "deployed")
    first["metadata"]["creationTimestamp"] = "2025-12-31T00:00:00Z"
    pending = storage_secret("nova", 2, "pending-upgrade")
    pending["metadata"]["labels"]["osprey.dev/control-plane"] = "cloud"
    pending["metadata"]["creationTimestamp"] = "2026-01-01T00:00:05Z"
    nova = ReleaseDecoder().latest([first, pending])["nova"]
    assert nova.owner == "cloud"
    assert nova.started.isoformat() == "2026-01-01T00:00:00+00:00"  # info.last_deployed
    assert nova.first_stored_at == "2025-12-31T00:00:00Z"


def test_a_release_without_osprey_s_label_has_no_owner():
    assert ReleaseDecoder().latest([storage_secret("nova", 1, "deployed")])["nova"].owner is None


def metadata_only(secret):
    return {"metadata": secret["metadata"]}


def test_only_a_newest_revision_listed_without_data_and_not_decoded_is_missing():
    decoder = ReleaseDecoder()
    old, new = storage_secret("nova", 1, "superseded"), storage_secret("nova", 2, "deployed")
    listed = [metadata_only(old), metadata_only(new)]
    assert decoder.missing(listed) == ["sh.helm.release.v1.nova.v2"]
    assert decoder.latest(listed, {"sh.helm.release.v1.nova.v2": new})["nova"].revision == 2
    assert decoder.missing(listed) == [], "decoded at that resourceVersion: nothing to read"


def test_a_new_resource_version_of_the_newest_revision_is_read_again():
    decoder = ReleaseDecoder()
    pending = storage_secret("nova", 1, "pending-install", rv="5")
    decoder.latest([pending])
    deployed = storage_secret("nova", 1, "deployed", rv="6")
    assert decoder.missing([metadata_only(deployed)]) == ["sh.helm.release.v1.nova.v1"]
    release = decoder.latest([metadata_only(deployed)],
                             {"sh.helm.release.v1.nova.v1": deployed})["nova"]
    assert release.status == "deployed"


def test_a_secret_read_newer_than_its_listing_stands_in_for_it():
    decoder = ReleaseDecoder()
    listed = storage_secret("nova", 1, "pending-install", rv="5")
    read = storage_secret("nova", 1, "deployed", rv="6")
    release = decoder.latest([metadata_only(listed)], {"sh.helm.release.v1.nova.v1": read})
    assert release["nova"].status == "deployed"
    assert release["nova"].labels["status"] == "deployed"
    assert decoder.missing([metadata_only(read)]) == []


def test_the_decoded_releases_kept_are_bounded():
    decoder = ReleaseDecoder(kept=2)
    decoder.latest([storage_secret(name, 1, "deployed") for name in ("a", "b", "c")])
    assert len(decoder) == 2


def test_releases_no_longer_listed_are_forgotten():
    decoder = ReleaseDecoder()
    decoder.latest([storage_secret("a", 1, "deployed"), storage_secret("b", 1, "deployed")])
    decoder.latest([storage_secret("a", 1, "deployed")])
    assert len(decoder) == 1


def test_an_unchanged_release_is_the_same_object_on_every_pass():
    decoder = ReleaseDecoder()
    listed = [storage_secret("keystone", 1, "deployed", values={"a": 1})]
    first = decoder.latest(listed)["keystone"]
    first_hash = first.values_hash
    again = decoder.latest([storage_secret("keystone", 1, "deployed", values={"a": 1})])
    assert again["keystone"] is first and again["keystone"].values_hash == first_hash


def test_a_release_whose_labels_changed_is_a_new_object():
    decoder = ReleaseDecoder()
    first = decoder.latest([storage_secret("keystone", 1, "deployed")])["keystone"]
    relabelled = storage_secret("keystone", 1, "deployed")
    relabelled["metadata"]["labels"]["osprey.dev/control-plane"] = "openstack"
    again = decoder.latest([relabelled])["keystone"]
    assert again is not first and again.owner == "openstack" and first.owner is None


def test_a_revision_rewritten_by_helm_keeps_its_parsed_manifest(monkeypatch):
    from osprey import releases

    parsed = []
    real = releases.load_manifest
    monkeypatch.setattr(releases, "load_manifest", lambda text: parsed.append(text) or real(text))
    decoder = ReleaseDecoder()
    pending = decoder.latest([storage_secret("nova", 2, "pending-upgrade", manifest=DEPLOYMENT,
                                             hooks=[JOB], rv="7")])["nova"]
    done = decoder.latest([storage_secret("nova", 2, "deployed", manifest=DEPLOYMENT,
                                          hooks=[JOB], rv="9")])["nova"]
    assert (pending.status, done.status) == ("pending-upgrade", "deployed")
    assert done.manifest is pending.manifest and done.hooks is pending.hooks
    assert parsed.count(DEPLOYMENT) == 1
    changed = decoder.latest([storage_secret("nova", 2, "deployed", manifest=DEPLOYMENT + "\n",
                                             hooks=[JOB], rv="11")])["nova"]
    assert parsed.count(DEPLOYMENT + "\n") == 1 and changed.manifest == done.manifest


def test_a_pending_revision_rewritten_by_helm_is_not_read_again():
    decoder = ReleaseDecoder()
    first = storage_secret("nova", 2, "pending-upgrade", manifest=DEPLOYMENT, hooks=[JOB], rv="7")
    decoder.latest([metadata_only(first)], {first["metadata"]["name"]: first})
    # helm rewrote the record after a hook ran: same revision, still pending
    rewritten = metadata_only(storage_secret("nova", 2, "pending-upgrade", rv="8"))
    rewritten["metadata"]["labels"]["modifiedAt"] = "1767225600"
    assert decoder.missing([rewritten]) == []
    release = decoder.latest([rewritten])["nova"]
    assert release.status == "pending-upgrade" and release.labels["modifiedAt"] == "1767225600"
    assert [o["metadata"]["name"] for o in release.objects] == ["keystone-api", "keystone-db-sync"]
    assert len(decoder) == 1
    # its last version is read: deployed (or failed) with what helm recorded
    done = storage_secret("nova", 2, "deployed", manifest=DEPLOYMENT, hooks=[JOB], rv="9")
    assert decoder.missing([metadata_only(done)]) == ["sh.helm.release.v1.nova.v2"]


def test_a_pending_revision_first_seen_is_read():
    decoder = ReleaseDecoder()
    decoder.latest([storage_secret("nova", 1, "deployed", rv="3")])
    pending = metadata_only(storage_secret("nova", 2, "pending-upgrade", rv="7"))
    assert decoder.missing([pending]) == ["sh.helm.release.v1.nova.v2"]
