"""Helpers for kubesim's own tests: raw HTTP against the simulator and a sample CRD."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import requests

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
# Every namespace holds the ConfigMap kube-root-ca.crt (kube-controller-manager publishes
# it); tests that count ConfigMaps leave it out with this field selector.
NOT_ROOT_CA = "metadata.name!=kube-root-ca.crt"


class Http:
    """Plain HTTP, so that tests see status codes, headers and bodies exactly."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        **params: Any,
    ) -> requests.Response:
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.session.request(
            method,
            self.base + path,
            data=data,
            params=params,
            headers={"Content-Type": content_type},
            timeout=10,
        )

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any, **params: Any) -> requests.Response:
        return self.request("POST", path, body, **params)

    def put(self, path: str, body: Any, **params: Any) -> requests.Response:
        return self.request("PUT", path, body, **params)

    def patch(
        self, path: str, body: Any, content_type: str = MERGE, **params: Any
    ) -> requests.Response:
        return self.request("PATCH", path, body, content_type=content_type, **params)

    def delete(self, path: str, body: Any = None, **params: Any) -> requests.Response:
        return self.request("DELETE", path, body, **params)

    def watch(self, path: str, *, max_events: int = 100, **params: Any) -> list[dict[str, Any]]:
        """Read a watch stream until it ends (timeoutSeconds) or max_events arrive."""
        events = []
        with self.session.get(
            self.base + path, params={"watch": "true", **params}, stream=True, timeout=10
        ) as response:
            for line in response.iter_lines():
                if line:
                    events.append(json.loads(line))
                    if len(events) >= max_events:
                        break
        return events


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def configmap(name: str, data: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, **meta},
        "data": data or {"a": "1"},
    }


def deployment(name: str, replicas: int = 1, image: str = "app:1") -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": image,
                            "env": [{"name": "A", "value": "1"}],
                            "ports": [{"containerPort": 8080}],
                        }
                    ]
                },
            },
        },
    }


def daemonset(name: str, node_selector: dict[str, str]) -> dict[str, Any]:
    """A DaemonSet whose pods run on the nodes that carry `node_selector`'s labels."""
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "nodeSelector": node_selector,
                    "containers": [{"name": name, "image": f"{name}:1"}],
                },
            },
        },
    }


WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.kubesim.test"},
    "spec": {
        "group": "kubesim.test",
        "scope": "Namespaced",
        "names": {
            "plural": "widgets",
            "singular": "widget",
            "kind": "Widget",
            "shortNames": ["wd"],
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {
                    "status": {},
                    "scale": {
                        "specReplicasPath": ".spec.replicas",
                        "statusReplicasPath": ".status.replicas",
                    },
                },
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "string", "jsonPath": ".spec.size"},
                    {
                        "name": "Ready",
                        "type": "string",
                        "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
                    },
                ],
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size"],
                                "x-kubernetes-validations": [
                                    {
                                        "rule": "self.size != 'large' || self.replicas <= 3",
                                        "message": "large widgets allow at most 3 replicas",
                                    }
                                ],
                                "properties": {
                                    "size": {"type": "string", "enum": ["small", "large"]},
                                    "replicas": {"type": "integer", "minimum": 0, "default": 1},
                                    "color": {"type": "string", "pattern": "^[a-z]+$"},
                                    "labels": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string"},
                                    },
                                },
                            },
                            "status": {
                                "type": "object",
                                "properties": {
                                    "replicas": {"type": "integer"},
                                    "phase": {"type": "string"},
                                    "conditions": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "x-kubernetes-preserve-unknown-fields": True,
                                        },
                                    },
                                },
                                "x-kubernetes-preserve-unknown-fields": True,
                            },
                        },
                    }
                },
            }
        ],
    },
}


def widget(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kubesim.test/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"size": "small", **spec},
    }
