"""The watch cache as passes see it: listing while it is not synced, its content once it is,
and an event during a pass brings exactly one more pass (the store is updated first). An
informer applies events in order, lists again at once when its watch expires (the list
replaces what it held) and after a back-off when it fails."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from osprey import watchcache
from osprey.kube import KubeError
from osprey.metrics import Metrics
from osprey.reconcile import ControlPlane
from osprey.runtime import Runtime, Settings
from osprey.watchcache import (
    HELM_RECORDS,
    CachedObserver,
    Informer,
    WatchCache,
    Watched,
    moves_node_pools,
)
from osprey.watchstore import KindStore


def obj(kind, name, rv, namespace="ns", labels=None):
    return {"kind": kind, "metadata": {"name": name, "namespace": namespace,
                                       "resourceVersion": str(rv), "labels": labels or {}}}


RELEASE = {"release_group": "nova"}


class Listing:
    """The fallback: counts the passes that listed, and what it was told to forget."""

    def __init__(self):
        self.calls = 0
        self.forgotten = 0

    def forget(self):
        self.forgotten += 1

    async def observe(self, namespace):
        self.calls += 1
        return [], {("Deployment", "listed"): obj("Deployment", "listed", 1)}


def informer(cache, kind, helm=False):
    return next(i for i in cache.informers if i.watched.kind == kind
                and (i.watched == HELM_RECORDS) == helm)


def filled_cache(namespaces=("ns",)):
    cache = WatchCache(kube=None, namespaces=namespaces, serves=lambda _: True,
                       wake=lambda _: None)
    for i in cache.informers:
        i.store.replace([])
    return cache


def test_an_unsynced_cache_is_never_taken_for_an_empty_namespace():
    cache = WatchCache(kube=None, namespaces=("ns",), serves=lambda _: True,
                       wake=lambda _: None)
    for i in cache.informers[1:]:  # every kind listed but Helm's records
        i.store.replace([])
    listing = Listing()
    _, live = asyncio.run(CachedObserver(cache, listing).observe("ns"))
    assert listing.calls == 1 and ("Deployment", "listed") in live


def test_a_namespace_the_cache_does_not_watch_is_never_synced():
    cache = filled_cache(namespaces=("one",))
    assert cache.synced("one")
    assert not cache.synced("two")
    assert not filled_cache(namespaces=()).synced("one")


def test_a_synced_cache_answers_without_listing():
    cache = filled_cache()
    informer(cache, "Secret", helm=True).store.apply(
        "ADDED", obj("Secret", "sh.helm.release.v1.nova.v1", 5,
                     labels={"owner": "helm", "name": "nova"}))
    informer(cache, "Secret").store.apply("ADDED", obj("Secret", "nova-etc", 6))
    informer(cache, "Deployment").store.apply("ADDED", obj("Deployment", "nova-api", 7))
    listing = Listing()
    storage, live = asyncio.run(CachedObserver(cache, listing).observe("ns"))
    assert listing.calls == 0 and listing.forgotten == 1, "the listing's bodies are dropped"
    assert [s["metadata"]["name"] for s in storage] == ["sh.helm.release.v1.nova.v1"]
    assert sorted(live) == [("Deployment", "nova-api"), ("Secret", "nova-etc")]


def test_informers_of_another_namespace_do_not_answer_for_this_one():
    cache = filled_cache(namespaces=("one", "two"))
    informer_two = next(i for i in cache.informers
                        if i.namespace == "two" and i.watched.kind == "Deployment")
    informer_two.store.apply("ADDED", obj("Deployment", "api", 1, namespace="two"))
    assert cache.view("one")[1] == {}
    assert list(cache.view("two")[1]) == [("Deployment", "api")]


def test_an_event_wakes_the_loops_of_its_namespace_after_the_store_holds_it():
    seen = []
    cache = WatchCache(kube=None, namespaces=None, serves=lambda _: True,
                       wake=lambda ns: seen.append((ns, dict(cache.view(ns)[1]))))
    deployment = informer(cache, "Deployment")
    deployment._apply("ADDED", obj("Deployment", "api", 1, labels=RELEASE))
    deployment._apply("ADDED", obj("Deployment", "not-a-release", 2))
    [(namespace, live)] = seen
    assert namespace == "ns" and ("Deployment", "api") in live


def test_an_event_during_a_pass_brings_one_more_pass():
    async def scenario():
        runtime = Runtime(Settings(resync_seconds=3600.0), kube=object(), helm=object(),
                          metrics=Metrics())
        plane = runtime.control_plane("ns", "cp")
        deployment = informer(runtime.watch_cache, "Deployment")
        passes = []
        second_pass_done = asyncio.Event()

        class Stopped:  # as Kopf's DaemonStopped: true, and awaitable, once stopped
            def __bool__(self):
                return second_pass_done.is_set()

            async def wait(self):
                await second_pass_done.wait()

        async def reconcile(body):
            passes.append(len(passes))
            if len(passes) == 1:  # a watch event arrives while the first pass runs
                deployment._apply("MODIFIED", obj("Deployment", "api", 2, labels=RELEASE))
            else:  # stop the daemon after this one: a third pass would show in `passes`
                asyncio.get_running_loop().call_later(0.5, second_pass_done.set)
            return "ok"

        plane.reconcile = reconcile
        await asyncio.wait_for(plane.run({"metadata": {}}, Stopped()), timeout=10)
        return passes

    assert asyncio.run(scenario()) == [0, 1]


def test_the_loop_observes_through_the_cache_unless_it_is_turned_off():
    with_cache = Runtime(Settings(), kube=object(), helm=object(), metrics=Metrics())
    without = Runtime(Settings(watch_cache=False), kube=object(), helm=object(),
                      metrics=Metrics())
    assert isinstance(ControlPlane(with_cache, "ns", "cp").observer, CachedObserver)
    assert without.watch_cache is None
    assert not isinstance(ControlPlane(without, "ns", "cp").observer, CachedObserver)


class Stream:
    """A watch's events, then (when `then` is an error) a broken stream; without one it
    stays open until closed, as a quiet watch does."""

    def __init__(self, events, then=None):
        self.events, self.then = events, then
        self.closed = threading.Event()

    def __iter__(self):
        yield from self.events
        if self.then is not None:
            raise self.then
        self.closed.wait(10)

    def close(self):
        self.closed.set()


class Server:
    """Answers lists and watches of one selection from scripts, in order."""

    def __init__(self, lists, watches):
        self.lists, self.watches = list(lists), list(watches)
        self.listed = 0

    async def list_versioned(self, res, namespace, *, labels=None, metadata_only=False):
        self.listed += 1
        return self.lists.pop(0) if len(self.lists) > 1 else self.lists[0]

    def open_watch(self, res, namespace, version, **_):
        return self.watches.pop(0) if self.watches else Stream([])


def run_informer(server, until):
    woken = []

    async def scenario():
        informer = Informer(server, Watched("Deployment"), "ns", lambda _: True, woken.append)
        task = asyncio.create_task(informer.run(server, ThreadPoolExecutor(1)))
        for _ in range(500):
            if until(informer):
                break
            await asyncio.sleep(0.01)
        names = sorted(informer.store.namespace("ns"))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return names

    return asyncio.run(scenario()), woken


def test_watch_events_are_applied_in_order_and_wake_the_namespace():
    a, b = obj("Deployment", "a", 1, labels=RELEASE), obj("Deployment", "b", 2, labels=RELEASE)
    server = Server([([a], "1")], [Stream([("ADDED", b), ("DELETED", a)])])
    names, woken = run_informer(server, lambda i: list(i.store.namespace("ns")) == ["b"])
    assert names == ["b"] and woken == ["ns", "ns", "ns"]  # the list, then each event


def test_an_expired_watch_lists_again_at_once_and_the_list_replaces_the_store():
    a, b = obj("Deployment", "a", 1, labels=RELEASE), obj("Deployment", "b", 2, labels=RELEASE)
    gone = KubeError(410, "Expired", "too old resource version")
    server = Server([([a, b], "2"), ([a], "9")], [Stream([], then=gone)])
    names, woken = run_informer(server, lambda i: i.lists == 2)
    assert names == ["a"], "b was deleted while the watch was down"
    assert woken == ["ns", "ns"]  # the first list (a, b new), the second (b gone)


def test_a_failed_watch_backs_off_and_lists_again(monkeypatch):
    monkeypatch.setattr(watchcache, "RETRY_BASE_SECONDS", 0.01)
    a, c = obj("Deployment", "a", 1), obj("Deployment", "c", 3)
    broken = KubeError(0, "Unreachable", "the watch broke")
    server = Server([([a], "1"), ([a, c], "3")], [Stream([], then=broken)])
    names, _ = run_informer(server, lambda i: i.lists == 2)
    assert names == ["a", "c"] and server.listed == 2


def control_plane(rv, generation=1, deleting=False):
    meta = {"name": "cp", "namespace": "ns", "resourceVersion": str(rv), "generation": generation}
    if deleting:
        meta["deletionTimestamp"] = "2026-12-01T00:00:00Z"
    return {"kind": "OpenStackControlPlane", "metadata": meta}


def test_only_a_control_plane_gone_going_or_respecified_wakes_every_loop():
    store = KindStore(lambda _: True)
    assert not moves_node_pools(store.apply("ADDED", control_plane(1)))
    assert not moves_node_pools(store.apply("MODIFIED", control_plane(2))), "a status write"
    assert moves_node_pools(store.apply("MODIFIED", control_plane(3, generation=2)))
    assert moves_node_pools(store.apply("MODIFIED", control_plane(4, 2, deleting=True)))
    assert moves_node_pools(store.apply("DELETED", control_plane(5, 2, deleting=True)))


def test_every_control_plane_is_unknown_until_listed():
    cache = WatchCache(kube=None, namespaces=None, serves=lambda _: True, wake=lambda _: None)
    assert cache.every_control_plane() is None
    cache.control_planes.store.replace([control_plane(1)])
    assert [p["metadata"]["name"] for p in cache.every_control_plane()] == ["cp"]


def test_pods_are_kept_per_namespace_and_wake_no_loop():
    woken = []
    cache = WatchCache(kube=None, namespaces=("ns", "other"), serves=lambda _: True,
                       wake=woken.append)
    assert cache.pods("ns") is None  # not listed yet: the pass lists them itself
    for pods in cache.pod_informers:
        pods.store.replace([])
    mine = next(i for i in cache.pod_informers if i.namespace == "ns")
    mine._apply("ADDED", obj("Pod", "keystone-api-a", 1, labels=RELEASE))
    assert [p["metadata"]["name"] for p in cache.pods("ns")] == ["keystone-api-a"]
    assert cache.pods("other") == [] and cache.pods("unwatched") is None
    assert woken == []
