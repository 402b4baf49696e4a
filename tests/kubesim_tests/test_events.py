"""Events as users read them: field selectors on the involved object, `kubectl events
--for`, and the columns of `kubectl get events`."""

from __future__ import annotations

import json

from .support import Http, deployment, wait_for


def ok(result) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def event(name: str, kind: str, target: str, reason: str, **extra) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name},
        "involvedObject": {"apiVersion": "apps/v1", "kind": kind, "name": target},
        "reason": reason,
        "message": f"{reason} happened",
        "type": "Normal",
        "count": 1,
        "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:00:00Z",
        **extra,
    }


def test_events_are_selected_by_their_involved_object(kube, namespace: str) -> None:
    ns = ["-n", namespace]
    ok(kube.kubectl("apply", *ns, "-f", "-", input=json.dumps(deployment("x"))))
    wait_for(lambda: "ScalingReplicaSet" in ok(kube.kubectl("get", "events", *ns)))
    selected = json.loads(
        ok(
            kube.kubectl(
                "get",
                "events",
                *ns,
                "-o",
                "json",
                "--field-selector",
                "involvedObject.kind=Deployment,involvedObject.name=x",
            )
        )
    )
    assert [e["reason"] for e in selected["items"]] == ["ScalingReplicaSet"]
    assert selected["items"][0]["source"] == {"component": "deployment-controller"}


def test_kubectl_events_for_a_deployment(kube, namespace: str) -> None:
    ns = ["-n", namespace]
    ok(kube.kubectl("apply", *ns, "-f", "-", input=json.dumps(deployment("web"))))
    wait_for(
        lambda: "ScalingReplicaSet" in ok(kube.kubectl("events", *ns, "--for", "deployment/web"))
    )
    header, *rows = ok(kube.kubectl("events", *ns, "--for", "deployment/web")).splitlines()
    assert header.split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert [r.split()[2:4] for r in rows] == [["ScalingReplicaSet", "Deployment/web"]]


def test_field_selector_values_may_hold_slashes_and_escaped_commas(
    http: Http, namespace: str
) -> None:
    path = f"/api/v1/namespaces/{namespace}/events"
    http.post(path, event("a", "Deployment", "a,b", "Odd"))
    http.post(path, event("b", "Deployment", "b", "Plain"))
    picked = http.get(
        path,
        fieldSelector=r"involvedObject.apiVersion=apps/v1,"
        r"involvedObject.name=a\,b",
    ).json()["items"]
    assert [e["metadata"]["name"] for e in picked] == ["a"]
    bad = http.get(path, fieldSelector="involvedObject.name=a=b")
    assert bad.status_code == 400
    assert bad.json()["message"] == "invalid field selector: unescaped character in value: ="


def test_the_source_selector_falls_back_to_the_reporting_component(
    http: Http, namespace: str
) -> None:
    path = f"/api/v1/namespaces/{namespace}/events"
    http.post(path, event("old", "Pod", "p", "Pulled", source={"component": "kubelet"}))
    http.post(
        path,
        event(
            "new", "Pod", "p", "FailedScheduling", source={}, reportingComponent="default-scheduler"
        ),
    )
    names = {
        s: [
            e["metadata"]["name"]
            for e in http.get(path, fieldSelector=f"source={s}").json()["items"]
        ]
        for s in ("kubelet", "default-scheduler")
    }
    assert names == {"kubelet": ["old"], "default-scheduler": ["new"]}


def test_kubectl_get_events_prints_kube_columns_and_more_with_wide(
    kube, http: Http, namespace: str
) -> None:
    http.post(
        f"/api/v1/namespaces/{namespace}/events",
        event(
            "e1",
            "Deployment",
            "api",
            "ScalingReplicaSet",
            source={"component": "deployment-controller"},
        ),
    )
    ns = ["-n", namespace, "--field-selector", "metadata.name=e1"]
    header, row = ok(kube.kubectl("get", "events", *ns)).splitlines()
    assert header.split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert row.split()[1:] == [
        "Normal",
        "ScalingReplicaSet",
        "deployment/api",
        "ScalingReplicaSet",
        "happened",
    ]
    wide, _ = ok(kube.kubectl("get", "events", *ns, "-o", "wide")).splitlines()
    assert wide.split() == [
        "LAST",
        "SEEN",
        "TYPE",
        "REASON",
        "OBJECT",
        "SUBOBJECT",
        "SOURCE",
        "MESSAGE",
        "FIRST",
        "SEEN",
        "COUNT",
        "NAME",
    ]
