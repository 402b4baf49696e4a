"""Read-back Helm records win over a cache that has not caught up, and only until it has."""

from osprey.observe import FreshRecords


def storage(release, revision, status, rv):
    return {"metadata": {"name": f"sh.helm.release.v1.{release}.v{revision}",
                         "resourceVersion": rv,
                         "labels": {"owner": "helm", "name": release, "status": status,
                                    "version": str(revision)}}}


def test_a_read_back_record_replaces_a_stale_cache_entry():
    fresh = FreshRecords()
    fresh.put("keystone", [storage("keystone", 1, "deployed", "12")])
    cached = [storage("keystone", 1, "pending-install", "10"), storage("mariadb", 1, "deployed", "5")]
    merged = fresh.merge(cached)
    assert sorted((s["metadata"]["labels"]["name"], s["metadata"]["labels"]["status"])
                  for s in merged) == [("keystone", "deployed"), ("mariadb", "deployed")]


def test_once_the_cache_holds_the_same_versions_the_record_is_dropped():
    fresh = FreshRecords()
    fresh.put("keystone", [storage("keystone", 1, "deployed", "12")])
    caught_up = [storage("keystone", 1, "deployed", "12")]
    assert fresh.merge(caught_up) == caught_up
    stale_again = [storage("keystone", 1, "pending-install", "10")]
    assert fresh.merge(stale_again) == stale_again, "the record is gone once caught up"
