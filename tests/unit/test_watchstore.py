"""The watch cache's store of one kind: events applied in order, a list replaces everything, only
served namespaces are held, and it is synced only after a list and while its watch is sound."""

from osprey.watchstore import KindStore


def obj(name, rv, namespace="ns", **labels):
    return {"metadata": {"name": name, "namespace": namespace, "resourceVersion": str(rv),
                         "labels": labels}}


def release_object(name, rv, namespace="ns"):
    return obj(name, rv, namespace, release_group="keystone")


def every_namespace(_):
    return True


def names(store, namespace="ns"):
    return sorted(store.namespace(namespace))


def test_events_add_change_and_remove_objects():
    store = KindStore(every_namespace)
    store.apply("ADDED", obj("a", 1))
    store.apply("ADDED", obj("b", 2))
    store.apply("MODIFIED", obj("a", 3))
    store.apply("DELETED", obj("b", 4))
    assert names(store) == ["a"]
    assert store.namespace("ns")["a"]["metadata"]["resourceVersion"] == "3"


def test_a_change_says_what_the_object_was_and_is():
    store = KindStore(every_namespace)
    store.apply("ADDED", obj("a", 1))
    change = store.apply("MODIFIED", obj("a", 2))
    assert change.namespace == "ns"
    assert change.before["metadata"]["resourceVersion"] == "1"
    assert change.after["metadata"]["resourceVersion"] == "2"
    gone = store.apply("DELETED", obj("a", 3))
    assert gone.after is None and gone.before["metadata"]["resourceVersion"] == "2"


def test_an_event_at_the_version_already_held_changes_nothing():
    store = KindStore(every_namespace)
    store.apply("ADDED", obj("a", 1))
    assert store.apply("MODIFIED", obj("a", 1)) is None
    assert store.apply("DELETED", obj("never-seen", 2)) is None


def test_only_objects_of_a_release_wake_their_namespace():
    store = KindStore(every_namespace)
    assert store.apply("ADDED", release_object("keystone-api", 1)).wakes
    assert not store.apply("ADDED", obj("someone-elses", 2)).wakes
    # Deleted: what it was decides (a deleted object of a release must be healed).
    assert store.apply("DELETED", release_object("keystone-api", 3)).wakes


def test_namespaces_not_served_are_not_held():
    store = KindStore(lambda namespace: namespace == "mine")
    assert store.apply("ADDED", obj("a", 1, namespace="theirs")) is None
    store.apply("ADDED", obj("b", 2, namespace="mine"))
    store.replace([obj("c", 3, namespace="theirs"), obj("d", 4, namespace="mine")])
    assert names(store, "theirs") == []
    assert names(store, "mine") == ["d"]


def test_a_list_replaces_the_content_and_drops_what_was_deleted_meanwhile():
    store = KindStore(every_namespace)
    store.replace([release_object("a", 1), release_object("b", 2)])
    changes = store.replace([release_object("a", 1), release_object("c", 5)])
    assert names(store) == ["a", "c"]
    assert sorted((c.before or c.after)["metadata"]["name"] for c in changes) == ["b", "c"]
    assert all(c.wakes for c in changes)


def test_a_list_reports_objects_changed_while_the_watch_was_down():
    store = KindStore(every_namespace)
    store.replace([obj("a", 1, namespace="one"), obj("b", 2, namespace="two")])
    changes = store.replace([obj("a", 1, namespace="one"), obj("b", 7, namespace="two")])
    assert [(c.namespace, c.after["metadata"]["resourceVersion"]) for c in changes] == [
        ("two", "7")]


def test_not_synced_until_the_first_list_even_with_events():
    store = KindStore(every_namespace)
    store.apply("ADDED", obj("a", 1))
    assert not store.synced(now=0.0)
    store.replace([])
    assert store.synced(now=0.0)


def test_a_broken_watch_stays_synced_for_the_grace_only_and_a_list_heals_it():
    store = KindStore(every_namespace, grace=5.0)
    store.replace([obj("a", 1)])
    store.broken(now=100.0)
    store.broken(now=103.0)  # still broken since 100
    assert store.synced(now=104.0)
    assert not store.synced(now=105.5)
    store.replace([obj("a", 1)])
    assert store.synced(now=200.0)


def test_a_cleared_store_holds_nothing_and_is_not_synced():
    store = KindStore(every_namespace)
    store.replace([obj("a", 1)])
    store.clear()
    assert names(store) == [] and len(store) == 0
    assert not store.synced(now=0.0)


def test_managed_fields_are_not_held():
    store = KindStore(every_namespace)
    fields = [{"manager": "helm", "operation": "Apply", "fieldsV1": {"f:data": {}}}]
    applied = obj("a", "1")
    applied["metadata"]["managedFields"] = fields
    listed = obj("b", "1")
    listed["metadata"]["managedFields"] = fields
    store.replace([listed])
    store.apply("ADDED", applied)
    held = store.namespace("ns")
    assert set(held) == {"a", "b"}
    assert all("managedFields" not in o["metadata"] for o in held.values())
    assert held["a"]["metadata"]["resourceVersion"] == "1"
    assert applied["metadata"]["managedFields"] == fields  # the event's object is not changed


def test_pods_are_held_without_their_spec():
    store = KindStore(every_namespace, kind="Pod")
    pod = dict(obj("keystone-api-a", "1"), spec={"containers": [{"name": "api"}]},
               status={"phase": "Pending"})
    store.apply("ADDED", pod)
    held = store.namespace("ns")["keystone-api-a"]
    assert "spec" not in held and held["status"] == {"phase": "Pending"}
    assert "spec" in pod


def test_a_pod_that_succeeded_is_not_held():
    store = KindStore(every_namespace, kind="Pod")
    running = dict(obj("db-sync-a", "1"), status={"phase": "Running"})
    done = dict(obj("db-sync-a", "2"), status={"phase": "Succeeded"})
    store.apply("ADDED", running)
    change = store.apply("MODIFIED", done)
    assert change is not None and change.after is None and names(store) == []
    assert store.apply("ADDED", dict(obj("init-b", "3"), status={"phase": "Succeeded"})) is None
    store.replace([done, dict(obj("api", "4"), status={"phase": "Running"})])
    assert names(store) == ["api"] and store.namespaces() == ["ns"]
