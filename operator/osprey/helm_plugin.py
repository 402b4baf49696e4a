"""The helm post-renderer plugin through which every helm run of Osprey passes its manifests.

Helm 4 takes a post-renderer only as a plugin (`--post-renderer <name>`), found in
$HELM_PLUGINS. Osprey writes its own plugin directory at start-up, running this Python with
osprey.clusterscope, and puts it before the user's plugins.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

PLUGIN = "osprey-cluster-scope"


def write_plugin(root: Path | None = None) -> Path:
    """A plugins directory holding the post-renderer plugin; returns the directory.

    By default one directory per user and Python, rewritten atomically at each start: every
    operator of the process (tests run many) shares it and nothing piles up."""
    if root is None:
        digest = hashlib.sha256(sys.executable.encode()).hexdigest()[:12]
        root = Path(tempfile.gettempdir()) / f"osprey-helm-plugins-{os.getuid()}-{digest}"
        root.mkdir(mode=0o700, exist_ok=True)
        if root.stat().st_uid != os.getuid():  # someone else's: helm must not run their plugin
            root = Path(tempfile.mkdtemp(prefix="osprey-helm-plugins-"))
    plugin_dir = root / PLUGIN
    plugin_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "apiVersion": "v1",
        "type": "postrenderer/v1",
        "name": PLUGIN,
        "version": "0.1.0",
        "runtime": "subprocess",
        "runtimeConfig": {"platformCommand": [
            {"command": sys.executable, "args": ["-m", "osprey.clusterscope"]},
        ]},
    }
    staged = plugin_dir / f".plugin.yaml.{os.getpid()}"
    staged.write_text(yaml.safe_dump(manifest, sort_keys=False))
    staged.replace(plugin_dir / "plugin.yaml")
    return root


def plugins_path(ours: Path, environ: dict[str, str] | None = None) -> str:
    """$HELM_PLUGINS with our directory first and the user's plugins still found."""
    env = os.environ if environ is None else environ
    data_home = env.get("HELM_DATA_HOME") or str(
        Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "helm")
    theirs = env.get("HELM_PLUGINS") or str(Path(data_home) / "plugins")
    return os.pathsep.join((str(ours), theirs))


def post_renderer_args(
    namespace: str, *, shared: bool = False, pull_secrets: Sequence[str] = (),
) -> list[str]:
    """The helm flags that post-render a release of `namespace` (or, with `shared`, keep only
    the objects the cluster shares), its pod templates pulling with `pull_secrets`."""
    args = ["--post-renderer", PLUGIN, "--post-renderer-args", namespace]
    for name in pull_secrets:
        args += ["--post-renderer-args", f"--pull-secret={name}"]
    return args + ["--post-renderer-args", "--shared"] if shared else args
