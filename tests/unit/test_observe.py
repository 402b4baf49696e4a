"""Read-back Helm records win over a cache that has not caught up, and only until it has;
Helm's records listed as metadata have a payload read only when it is new."""

from osprey.narrowing import WATCH_LABEL
from osprey.observe import ChangedBodiesObserver, FreshRecords, HelmRecords, pods_of
from tests.kubesim.selectors import parse_label_selector
from tests.unit.test_releases import storage_secret


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


class SecretsByName:
    """A Kube that answers GETs of whole Secrets, and counts them."""

    def __init__(self, secrets):
        self.secrets = {s["metadata"]["name"]: s for s in secrets}
        self.gets = []

    async def get(self, res, namespace, name):
        self.gets.append(name)
        return self.secrets.get(name)


def metadata_of(secret):
    return {"metadata": secret["metadata"]}


async def test_helm_records_read_a_payload_once_per_resource_version():
    v1, v2 = storage_secret("nova", 1, "superseded"), storage_secret("nova", 2, "deployed")
    kube = SecretsByName([v1, v2])
    records = HelmRecords(kube, "ns")
    listed = [metadata_of(v1), metadata_of(v2)]
    assert (await records.latest(listed))["nova"].revision == 2
    assert (await records.latest(listed))["nova"].revision == 2
    assert kube.gets == ["sh.helm.release.v1.nova.v2"]


async def test_helm_records_fall_back_to_the_previous_revision_deleted_meanwhile():
    v1, v2 = storage_secret("nova", 1, "deployed"), storage_secret("nova", 2, "pending-upgrade")
    kube = SecretsByName([v1])  # v2 deleted between the list and the read
    releases = await HelmRecords(kube, "ns").latest([metadata_of(v1), metadata_of(v2)])
    assert releases["nova"].revision == 1
    assert kube.gets == ["sh.helm.release.v1.nova.v2", "sh.helm.release.v1.nova.v1"]


async def test_helm_records_decode_secrets_listed_whole_without_reading_them():
    kube = SecretsByName([])
    releases = await HelmRecords(kube, "ns").latest([storage_secret("nova", 1, "deployed")])
    assert releases["nova"].status == "deployed" and kube.gets == []


def test_a_record_read_back_whole_stands_in_for_the_same_version_listed_as_metadata():
    fresh = FreshRecords()
    whole = storage_secret("keystone", 1, "deployed", rv="12")
    fresh.put("keystone", [whole])
    merged = fresh.merge([metadata_of(whole)])
    assert merged == [whole], "the decoder needs no second read of the same version"
    assert fresh.merge([metadata_of(whole)]) == [metadata_of(whole)], "only once"


class Namespace:
    """A Kube over one namespace's objects: lists whole or as metadata, GETs; counts GETs."""

    def __init__(self, *objects):
        self.objects = {(o["kind"], o["metadata"]["name"]): o for o in objects}
        self.gets = []

    def put(self, obj):
        self.objects[(obj["kind"], obj["metadata"]["name"])] = obj

    async def list(self, res, namespace, *, labels=None):
        selected = parse_label_selector(labels)
        return [o for (kind, _), o in self.objects.items()
                if kind == res.kind and selected(o["metadata"].get("labels") or {})]

    async def list_metadata(self, res, namespace, *, labels=None):
        return [metadata_of(o) for o in await self.list(res, namespace, labels=labels)]

    async def get(self, res, namespace, name):
        self.gets.append((res.kind, name))
        return self.objects.get((res.kind, name))


def config(kind, name, rv, value="x"):
    """A release's rendered config, with the watch label the post-renderer stamps."""
    return {"kind": kind, "metadata": {"name": name, "resourceVersion": rv,
                                       "labels": {WATCH_LABEL: "true"}},
            "data": {"nova.conf": value}}


async def test_changed_bodies_read_each_secret_and_configmap_once_per_resource_version():
    kube = Namespace(config("Secret", "nova-etc", "1"), config("ConfigMap", "nova-bin", "2"))
    observer = ChangedBodiesObserver(kube)
    await observer.observe("ns")
    _, live = await observer.observe("ns")
    assert kube.gets == [("Secret", "nova-etc"), ("ConfigMap", "nova-bin")]
    assert live[("Secret", "nova-etc")]["data"] == {"nova.conf": "x"}
    kube.put(config("Secret", "nova-etc", "7", "y"))
    _, live = await observer.observe("ns")
    assert kube.gets[2:] == [("Secret", "nova-etc")]
    assert live[("Secret", "nova-etc")]["data"] == {"nova.conf": "y"}


async def test_changed_bodies_drop_what_is_no_longer_listed():
    kube = Namespace(config("Secret", "nova-etc", "1"))
    observer = ChangedBodiesObserver(kube)
    await observer.observe("ns")
    del kube.objects[("Secret", "nova-etc")]
    _, live = await observer.observe("ns")
    assert ("Secret", "nova-etc") not in live


async def test_changed_bodies_leave_out_an_object_deleted_between_list_and_read():
    kube = Namespace(config("Secret", "nova-etc", "1"))
    listed = kube.list_metadata

    async def list_then_delete(res, namespace, *, labels=None):
        items = await listed(res, namespace)
        kube.objects.pop((res.kind, "nova-etc"), None)
        return items

    kube.list_metadata = list_then_delete
    _, live = await ChangedBodiesObserver(kube).observe("ns")
    assert ("Secret", "nova-etc") not in live


async def test_changed_bodies_give_helm_storage_as_metadata_apart_from_live_objects():
    record = storage_secret("nova", 1, "deployed")
    kube = Namespace(dict(record, kind="Secret"), config("Secret", "nova-etc", "1"),
                     {"kind": "Deployment", "metadata": {"name": "nova-api"}, "status": {}})
    storage, live = await ChangedBodiesObserver(kube).observe("ns")
    assert storage == [metadata_of(record)]
    assert set(live) == {("Secret", "nova-etc"), ("Deployment", "nova-api")}
    assert ("Secret", record["metadata"]["name"]) not in kube.gets


class PodLists:
    """A Kube that answers pod lists from a set of pods, filtering by label selector as the
    API server does, and records each list's selector."""

    def __init__(self, pods):
        self.pods = pods
        self.lists = []

    async def list(self, res, namespace, labels=None, fields=None):
        self.lists.append((res.kind, labels, fields))
        selector = parse_label_selector(labels)
        return [p for p in self.pods if selector(p["metadata"]["labels"])]


def workload(name, component):
    return {"kind": "Deployment", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"application": "keystone",
                                                  "component": component}}}}


def labelled_pod(name, component):
    return {"metadata": {"name": name, "labels": {"application": "keystone",
                                                  "component": component}}}


API_POD, WORKER_POD = labelled_pod("keystone-api-a", "api"), labelled_pod("keystone-w-b", "w")


async def test_no_pod_is_listed_when_every_workload_is_ready():
    kube = PodLists([API_POD])
    assert await pods_of(kube, "ns", {}) == {}
    assert kube.lists == []


async def test_the_pods_of_one_unready_workload_are_listed_by_its_selector():
    kube = PodLists([API_POD, WORKER_POD])
    found = await pods_of(kube, "ns", {("Deployment", "keystone-api"): workload("api", "api")})
    assert found == {("Deployment", "keystone-api"): [API_POD]}
    assert kube.lists == [("Pod", "application=keystone,component=api",
                            "status.phase!=Succeeded")]


async def test_the_pods_of_several_unready_workloads_come_from_one_list():
    kube = PodLists([API_POD, WORKER_POD])
    found = await pods_of(kube, "ns", {("Deployment", "api"): workload("api", "api"),
                                       ("Deployment", "w"): workload("w", "w")})
    assert found == {("Deployment", "api"): [API_POD], ("Deployment", "w"): [WORKER_POD]}
    assert kube.lists == [("Pod", None, "status.phase!=Succeeded")]


async def test_the_watch_caches_pods_answer_without_a_request_and_leave_out_succeeded_ones():
    kube = PodLists([])
    done = dict(labelled_pod("keystone-api-old", "api"), status={"phase": "Succeeded"})
    found = await pods_of(kube, "ns", {("Deployment", "api"): workload("api", "api"),
                                       ("Deployment", "w"): workload("w", "w")},
                          cached=[API_POD, WORKER_POD, done])
    assert found == {("Deployment", "api"): [API_POD], ("Deployment", "w"): [WORKER_POD]}
    assert kube.lists == []


def test_a_record_stands_in_however_long_the_cache_lags():
    fresh = FreshRecords()
    fresh.put("keystone", [storage("keystone", 1, "deployed", "12")])
    assert fresh.behind([]) == ["keystone"]
    # An overloaded API server's watch was seen 40 s behind: no time ends the record.
    assert [s["metadata"]["labels"]["name"] for s in fresh.merge([])] == ["keystone"]
    assert [s["metadata"]["labels"]["name"] for s in fresh.merge([])] == ["keystone"]


def test_the_cache_has_caught_up_only_with_the_same_versions_no_more_no_fewer():
    fresh = FreshRecords()
    v1, v2 = storage("nova", 1, "superseded", "20"), storage("nova", 2, "deployed", "21")
    fresh.put("nova", [v1, v2])
    assert fresh.behind([storage("nova", 1, "deployed", "9")]) == ["nova"]
    assert fresh.behind([v1, v2, storage("nova", 3, "pending-upgrade", "22")]) == ["nova"]
    assert fresh.behind([v1, v2, storage("mariadb", 1, "deployed", "5")]) == []


def test_an_uninstall_read_back_hides_the_release_until_the_cache_has_none_either():
    fresh = FreshRecords()
    fresh.put("heat", [])
    cached = [storage("heat", 1, "deployed", "7"), storage("mariadb", 1, "deployed", "5")]
    assert fresh.behind(cached) == ["heat"]
    assert [s["metadata"]["labels"]["name"] for s in fresh.merge(cached)] == ["mariadb"]
    assert fresh.behind(cached[1:]) == [] and fresh.merge(cached[1:]) == cached[1:]
