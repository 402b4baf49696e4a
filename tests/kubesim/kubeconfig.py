"""A kubeconfig pointing at the simulator (plain HTTP on loopback, no credentials)."""

from __future__ import annotations

from pathlib import Path

import yaml


def render(server: str, *, name: str = "kubesim", namespace: str = "default") -> str:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server}}],
        "users": [{"name": name, "user": {}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}
        ],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def write(path: str | Path, server: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(server))
    path.chmod(0o600)
    return path
