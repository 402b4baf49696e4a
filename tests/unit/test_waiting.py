"""Why a workload waits, from its pods: shapes as kube-scheduler, the kubelet and the Job
controller write them (and kubesim, for the scheduler's)."""

from osprey.health import ReleaseHealth, WorkloadState
from osprey.waiting import (
    bounded,
    explained,
    most_telling,
    pods_by_workload,
    selector_query,
    selects,
    stuck,
    unready_workloads,
    why_waiting,
)

ANTI_AFFINITY = ("0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. "
                 "preemption: 0/1 nodes are available: 1 No preemption victims found for "
                 "incoming pod.")
SELECTOR = {"matchLabels": {"application": "memcached", "component": "server"}}


def statefulset(name="memcached", replicas=2, ready=1):
    return {"kind": "StatefulSet", "metadata": {"name": name, "generation": 1},
            "spec": {"replicas": replicas, "selector": SELECTOR},
            "status": {"observedGeneration": 1, "readyReplicas": ready}}


def pod(name, phase="Running", conditions=(), containers=(), init=(), labels=None, **meta):
    status = {"phase": phase, "conditions": list(conditions), "qosClass": "BestEffort"}
    if containers:
        status["containerStatuses"] = list(containers)
    if init:
        status["initContainerStatuses"] = list(init)
    return {"kind": "Pod",
            "metadata": {"name": name, "labels": labels or SELECTOR["matchLabels"], **meta},
            "status": status}


def ready_pod(name):
    return pod(name, conditions=[{"type": "Ready", "status": "True"},
                                 {"type": "PodScheduled", "status": "True"}],
               containers=[container("memcached", {"running": {"startedAt": "t"}}, ready=True)])


def unschedulable(name, message=ANTI_AFFINITY):
    return pod(name, phase="Pending", conditions=[{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": message, "lastProbeTime": None, "lastTransitionTime": "t"}])


def container(name, state, ready=False, restarts=0, last=None):
    return {"name": name, "image": "quay.io/airshipit/keystone:2025.1-ubuntu_jammy",
            "imageID": "", "ready": ready, "started": "running" in state,
            "restartCount": restarts, "state": state, "lastState": last or {}}


def not_ready(name, containers=(), init=(), phase="Running"):
    return pod(name, phase=phase, containers=containers, init=init, conditions=[
        {"type": "PodScheduled", "status": "True"},
        {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
         "message": "containers with unready status: [keystone-api]"}])


def waiting(reason, message=""):
    return {"waiting": {"reason": reason, **({"message": message} if message else {})}}


API = {"kind": "Deployment", "metadata": {"name": "keystone-api"},
       "spec": {"selector": {"matchLabels": {"application": "keystone", "component": "api"}}}}


def test_an_unschedulable_pod_gives_the_schedulers_reasons_without_the_preemption_note():
    reason = why_waiting(statefulset(), [ready_pod("memcached-0"), unschedulable("memcached-1")])
    assert reason == ("pod memcached-1 unschedulable: 0/1 nodes are available: 1 node(s) "
                      "didn't match pod anti-affinity rules")


def test_a_long_scheduler_message_is_cut_after_a_whole_reason():
    reasons = ", ".join(f"{i} node(s) had untolerated taint {{pool-{i}: }}" for i in range(1, 9))
    message = f"0/36 nodes are available: {reasons}. preemption: 0/36 nodes are available."
    reason = why_waiting(statefulset(), [unschedulable("memcached-1", message)])
    assert len(reason) < 220 and reason.endswith("...")
    assert reason.removesuffix("...").endswith("}")


def test_image_pull_back_off_gives_the_kubelets_message():
    api = not_ready("keystone-api-5d8f7-x2x7q", [container("keystone-api", waiting(
        "ImagePullBackOff", 'Back-off pulling image "quay.io/airshipit/keystone:nosuch"'))])
    assert why_waiting(API, [api]) == (
        'pod keystone-api-5d8f7-x2x7q: container keystone-api ImagePullBackOff: Back-off '
        'pulling image "quay.io/airshipit/keystone:nosuch"')


def test_err_image_pull_gives_the_first_line_of_the_runtimes_error_bounded():
    error = ('failed to pull and unpack image "docker.io/library/nosuch:1": failed to resolve '
             'reference "docker.io/library/nosuch:1": pull access denied, repository does not '
             'exist or may require authorization: server message: insufficient_scope: '
             'authorization failed\nsecond line')
    reason = why_waiting(API, [not_ready("keystone-api-x", [container(
        "keystone-api", waiting("ErrImagePull", error))])])
    assert reason.startswith("pod keystone-api-x: container keystone-api ErrImagePull: failed")
    assert "second line" not in reason and len(reason) < 250


def test_crash_loop_back_off_counts_restarts_and_says_how_the_container_last_ended():
    crashing = container(
        "keystone-api",
        waiting("CrashLoopBackOff", "back-off 2m40s restarting failed container=keystone-api "
                "pod=keystone-api-x_openstack(2f1c0e4a)"),
        restarts=5, last={"terminated": {"exitCode": 1, "reason": "Error"}})
    reason = why_waiting(API, [not_ready("keystone-api-x", [crashing])])
    assert reason == ("pod keystone-api-x: container keystone-api CrashLoopBackOff "
                      "(restarts 5): last Error (exit code 1)")


def test_create_container_config_error_names_what_is_missing():
    reason = why_waiting(API, [not_ready("keystone-api-x", [container(
        "keystone-api", waiting("CreateContainerConfigError",
                                'secret "keystone-etc" not found'))], phase="Pending")])
    assert reason == ('pod keystone-api-x: container keystone-api CreateContainerConfigError: '
                      'secret "keystone-etc" not found')


def test_a_waiting_init_container_is_named_as_one():
    reason = why_waiting(API, [not_ready(
        "keystone-api-x", [container("keystone-api", waiting("PodInitializing"))],
        init=[container("init", waiting("ImagePullBackOff", 'Back-off pulling image "e:1"'))],
        phase="Pending")])
    assert reason == ('pod keystone-api-x: init container init ImagePullBackOff: Back-off '
                      'pulling image "e:1"')


def test_a_container_that_ended_in_error_gives_its_exit_code_and_termination_message():
    sync = pod("keystone-db-sync-abcde", phase="Failed", containers=[container(
        "keystone-db-sync", {"terminated": {"exitCode": 2, "reason": "Error",
                                            "message": "database keystone does not exist"}})])
    job = {"kind": "Job", "metadata": {"name": "keystone-db-sync"}, "status": {"active": 1}}
    assert why_waiting(job, [sync]) == (
        "pod keystone-db-sync-abcde: container keystone-db-sync terminated: Error "
        "(exit code 2): database keystone does not exist")


def test_a_container_running_again_after_an_error_says_how_it_ended_and_is_not_stuck():
    api = not_ready("keystone-api-x", [container(
        "keystone-api", {"running": {}}, restarts=1,
        last={"terminated": {"exitCode": 1, "reason": "Error"}})])
    found = most_telling(API, [api])
    assert found[1] == ("pod keystone-api-x: container keystone-api restarted after Error "
                        "(exit code 1)")
    assert not stuck(found[0])


def test_an_evicted_pod_says_why_the_kubelet_evicted_it():
    evicted = pod("keystone-api-x", phase="Failed")
    evicted["status"].update(reason="Evicted",
                             message="The node was low on resource: memory.")
    assert why_waiting(API, [evicted]) == (
        "pod keystone-api-x Evicted: The node was low on resource: memory.")


def test_unschedulable_and_pull_failures_are_stuck_and_not_ready_is_not():
    pulling = not_ready("a", [container("c", waiting("ImagePullBackOff", "Back-off"))])
    running = not_ready("b", [container("c", {"running": {}})])
    assert stuck(most_telling(API, [unschedulable("u")])[0])
    assert stuck(most_telling(API, [pulling])[0])
    assert not stuck(most_telling(API, [running])[0])


def test_a_running_pod_not_ready_says_so():
    api = not_ready("keystone-api-x", [container("keystone-api", {"running": {}})])
    assert why_waiting(API, [api]) == "pod keystone-api-x not ready"


def test_a_pod_only_starting_says_nothing():
    creating = not_ready("keystone-api-x", [container("keystone-api",
                                                      waiting("ContainerCreating"))],
                         phase="Pending")
    initializing = not_ready("keystone-api-y", [container("keystone-api",
                                                          waiting("PodInitializing"))],
                             init=[container("init", {"running": {}})], phase="Pending")
    unscheduled = pod("keystone-api-z", phase="Pending")
    assert why_waiting(API, [creating, initializing, unscheduled]) == ""


def test_the_most_telling_pod_is_named_whatever_the_order():
    pods = [not_ready("keystone-api-a", [container("keystone-api", {"running": {}})]),
            not_ready("keystone-api-b", [container("keystone-api", waiting(
                "ImagePullBackOff", "Back-off"))]),
            unschedulable("keystone-api-c")]
    assert why_waiting(API, pods).startswith("pod keystone-api-c unschedulable")
    assert why_waiting(API, pods[:2]).startswith("pod keystone-api-b:")
    assert why_waiting(API, list(reversed(pods[:2]))).startswith("pod keystone-api-b:")


def test_among_equally_telling_pods_the_first_by_name_is_named():
    pods = [unschedulable("memcached-2"), unschedulable("memcached-1")]
    assert why_waiting(statefulset(), pods).startswith("pod memcached-1 ")


def test_ready_succeeded_and_terminating_pods_say_nothing():
    done = pod("x-1", phase="Succeeded")
    going = unschedulable("x-2", ANTI_AFFINITY)
    going["metadata"]["deletionTimestamp"] = "t"
    assert why_waiting(API, [ready_pod("x-0"), done, going]) == ""


def test_a_failed_job_says_its_condition_reason_and_message():
    job = {"kind": "Job", "metadata": {"name": "keystone-db-sync"}, "status": {"conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit"}]}}
    assert why_waiting(job, []) == (
        "failed: BackoffLimitExceeded: Job has reached the specified backoff limit")


def test_a_job_past_its_deadline_says_so():
    job = {"kind": "Job", "metadata": {"name": "keystone-bootstrap"}, "status": {"conditions": [
        {"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
         "message": "Job was active longer than specified deadline"}]}}
    assert why_waiting(job, []).startswith("failed: DeadlineExceeded: ")


def test_bounded_keeps_short_text_and_the_first_line():
    assert bounded("a  b\nc") == "a b"


def test_a_selector_query_is_what_the_api_server_parses():
    selector = {"matchLabels": {"b": "2", "a": "1"}, "matchExpressions": [
        {"key": "c", "operator": "In", "values": ["y", "x"]},
        {"key": "d", "operator": "NotIn", "values": ["z"]},
        {"key": "e", "operator": "Exists"}, {"key": "f", "operator": "DoesNotExist"}]}
    assert selector_query(selector) == "a=1,b=2,c in (x,y),d notin (z),e,!f"


def test_selects_matches_labels_and_expressions():
    selector = {"matchLabels": {"a": "1"}, "matchExpressions": [
        {"key": "c", "operator": "In", "values": ["x"]},
        {"key": "f", "operator": "DoesNotExist"}]}
    assert selects(selector, {"a": "1", "c": "x"})
    assert not selects(selector, {"a": "1", "c": "y"})
    assert not selects(selector, {"a": "1", "c": "x", "f": ""})
    assert not selects(selector, {"c": "x"})


def test_only_unready_workloads_are_asked_about():
    health = {"memcached": ReleaseHealth((
        WorkloadState("StatefulSet", "memcached", ready=False, detail="has 1/2 replicas ready"),
        WorkloadState("Deployment", "keystone-api", ready=True)))}
    live = {("StatefulSet", "memcached"): statefulset(), ("Deployment", "keystone-api"): API}
    assert list(unready_workloads(health, live)) == [("StatefulSet", "memcached")]


def test_a_failed_or_missing_workload_is_not_asked_about():
    health = {"keystone": ReleaseHealth((
        WorkloadState("Job", "keystone-db-sync", ready=False, failed=True, detail="failed: x"),
        WorkloadState("Deployment", "keystone-api", ready=False, missing=True)))}
    live = {("Job", "keystone-db-sync"): {"kind": "Job", "metadata": {"name": "x"},
                                          "spec": {"selector": SELECTOR}}}
    assert unready_workloads(health, live) == {}


def test_the_reason_follows_the_workloads_detail_in_the_release_message():
    health = {"memcached": ReleaseHealth((WorkloadState(
        "StatefulSet", "memcached", ready=False, detail="has 1/2 replicas ready"),))}
    workloads = {("StatefulSet", "memcached"): statefulset()}
    other = pod("other-0", labels={"application": "other"})
    pods = pods_by_workload(workloads, [ready_pod("memcached-0"), unschedulable("memcached-1"),
                                        other])
    assert [p["metadata"]["name"] for p in pods[("StatefulSet", "memcached")]] == [
        "memcached-0", "memcached-1"]
    message = explained(health, workloads, pods)["memcached"].message
    assert message == ("StatefulSet/memcached has 1/2 replicas ready: pod memcached-1 "
                       "unschedulable: 0/1 nodes are available: 1 node(s) didn't match pod "
                       "anti-affinity rules")
