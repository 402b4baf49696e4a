"""Cluster-scoped objects of the charts, made fit for several control planes in one cluster.

OpenStack-Helm charts render a few objects without a namespace. Helm refuses to install an
object another release (of another namespace) already owns, so the second control plane of
a cluster would fail on the first of them. Each kind is handled on purpose:

- per control plane (PER_NAMESPACE): nova's bootstrap and cell-setup ClusterRoles and
  bindings, ovn's controller ClusterRole and binding. Their names are fixed in the charts, so
  every helm run of Osprey post-renders them as `<name>-<namespace>` (bindings follow the
  ClusterRoles of the release they reference); a name that already carries the namespace
  (ovn's list-nodes role) is left as it is.
- shared by the cluster (SHARED): mariadb's CustomResourceDefinitions (charts after 2026.1.0).
  They are left out of every release; Osprey applies them itself before the release's helm
  run (`--shared` renders only them; see shared.py), owned by no control plane and kept when
  one is deleted.

Every Secret and ConfigMap of a release is stamped with the watch label (`osprey.dev/watch:
"true"`): Osprey's watches of those kinds are narrowed to it server-side (narrowing.py).

Every PersistentVolumeClaim of a release is kept by helm (`helm.sh/resource-policy: keep`):
OpenStack-Helm renders some as plain release objects (mariadb's `mariadb-backup-data`, where
the backups are), which `helm uninstall`, or an upgrade that stops rendering them, would delete
with their data. Whether a volume goes is the control plane's `deletionPolicy` (teardown.py).

With pull secrets (`--pull-secret=<name>`, from spec.images.pullSecrets), every pod template
(Deployments, StatefulSets, DaemonSets, Jobs, CronJobs' Jobs, Pods) lists them in its
imagePullSecrets, after the chart's own and without repeats: OpenStack-Helm's
`pod.image_pull_secrets` reaches only helm-toolkit's Jobs, never the charts' own workloads.

Anything else cluster-scoped is unknown to Osprey: `unhandled` names it, and a unit test
renders every catalog chart and fails on it. Run by helm as the post-renderer plugin
`osprey-cluster-scope` (helm_plugin.py):
`python -m osprey.clusterscope <namespace> [--shared] [--pull-secret=<name>]...`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

PER_NAMESPACE = frozenset({"ClusterRole", "ClusterRoleBinding"})
SHARED = frozenset({"CustomResourceDefinition"})
# Kinds kube-apiserver serves without a namespace that a chart could render.
CLUSTER_SCOPED = PER_NAMESPACE | SHARED | frozenset({
    "Namespace", "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
    "RuntimeClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "APIService", "CSIDriver", "VolumeSnapshotClass", "PodSecurityPolicy", "Node",
})

# narrowing.STAMP, spelled out: helm starts this module for every render, so it imports
# nothing of Osprey's (a unit test keeps the two equal).
WATCH_STAMP = {"osprey.dev/watch": "true"}
WATCHED_KINDS = frozenset({"Secret", "ConfigMap"})
RESOURCE_POLICY = "helm.sh/resource-policy"
PULL_SECRET_FLAG = "--pull-secret="
# Where each workload kind keeps the spec of the pods it makes.
POD_SPEC_PATHS = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}

# libyaml when present: helm runs this for every render, on manifests of hundreds of KiB.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)


def scoped_name(name: str, namespace: str) -> str:
    """The name of a per-control-plane object in `namespace`: `<name>-<namespace>`, unless
    the chart named it so already."""
    return name if name.endswith(f"-{namespace}") else f"{name}-{namespace}"


def unhandled(objects: Iterable[Mapping[str, Any]]) -> list[str]:
    """`Kind/name` of every cluster-scoped object Osprey has no rule for."""
    return [f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}" for o in objects
            if o.get("kind") in CLUSTER_SCOPED and o.get("kind") not in PER_NAMESPACE | SHARED]


def unkept_claims(objects: Iterable[Mapping[str, Any]]) -> list[str]:
    """Names of the PersistentVolumeClaims of a stored manifest that helm would delete on
    uninstall (a release rendered before the post-renderer kept claims)."""
    return [(o.get("metadata") or {}).get("name", "") for o in objects
            if o.get("kind") == "PersistentVolumeClaim" and _unkept(o)]


def _scope(doc: dict[str, Any], namespace: str, roles: Mapping[str, str]) -> dict[str, Any]:
    meta = doc.setdefault("metadata", {})
    meta["name"] = scoped_name(meta["name"], namespace)
    ref = doc.get("roleRef") or {}
    if doc["kind"] == "ClusterRoleBinding" and ref.get("kind") == "ClusterRole":
        ref["name"] = roles.get(ref.get("name"), ref.get("name"))
    return doc


def _unstamped(doc: dict[str, Any]) -> bool:
    labels = (doc.get("metadata") or {}).get("labels") or {}
    return any(labels.get(k) != v for k, v in WATCH_STAMP.items())


def _stamped(doc: dict[str, Any]) -> dict[str, Any]:
    meta = doc.setdefault("metadata", {})
    meta["labels"] = {**(meta.get("labels") or {}), **WATCH_STAMP}
    return doc


def _unkept(doc: Mapping[str, Any]) -> bool:
    annotations = (doc.get("metadata") or {}).get("annotations") or {}
    return annotations.get(RESOURCE_POLICY) != "keep"


def _kept(doc: dict[str, Any]) -> dict[str, Any]:
    meta = doc.setdefault("metadata", {})
    meta["annotations"] = {**(meta.get("annotations") or {}), RESOURCE_POLICY: "keep"}
    return doc


def pod_spec(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """The pod spec a workload document renders, or None (not a workload, or no spec)."""
    node: Any = doc
    for key in POD_SPEC_PATHS.get(doc.get("kind"), ("-",)):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _lacks_pull_secrets(doc: Any, names: tuple[str, ...]) -> bool:
    spec = pod_spec(doc) if names and isinstance(doc, dict) else None
    if spec is None:
        return False
    listed = {(e or {}).get("name") for e in spec.get("imagePullSecrets") or []}
    return not set(names) <= listed


def _with_pull_secrets(doc: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    spec = pod_spec(doc)
    assert spec is not None
    listed = list(spec.get("imagePullSecrets") or [])
    have = {(e or {}).get("name") for e in listed}
    spec["imagePullSecrets"] = listed + [{"name": n} for n in names if n not in have]
    return doc


def _dump(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_DUMPER, sort_keys=False)


def _comments(part: str) -> str:
    """The document's comment lines (helm's `# Source: chart/templates/...`), kept."""
    return "".join(line + "\n" for line in part.splitlines() if line.startswith("#"))


def post_render(
    manifest: str, namespace: str, *, shared: bool = False, pull_secrets: tuple[str, ...] = (),
) -> str:
    """The release's manifest: per-control-plane objects renamed, shared ones left out, Secrets
    and ConfigMaps stamped, claims kept, pod templates pulling with `pull_secrets`; or, with
    `shared`, the shared objects alone.

    Documents that change are re-serialised; every other document is passed on byte for
    byte, comments (helm's `# Source:`) included.
    """
    parts = _DOCUMENT_SEPARATOR.split(manifest)
    docs = [yaml.load(part, Loader=_LOADER) for part in parts]
    roles = {
        d["metadata"]["name"]: scoped_name(d["metadata"]["name"], namespace)
        for d in docs if isinstance(d, dict) and d.get("kind") == "ClusterRole"
    }
    out: list[str] = []
    for part, doc in zip(parts, docs, strict=True):
        kind = doc.get("kind") if isinstance(doc, dict) else None
        if shared != (kind in SHARED):
            continue
        if kind in PER_NAMESPACE:
            part = "\n" + _dump(_scope(doc, namespace, roles))
        elif kind in WATCHED_KINDS and _unstamped(doc):
            part = "\n" + _comments(part) + _dump(_stamped(doc))
        elif kind == "PersistentVolumeClaim" and _unkept(doc):
            part = "\n" + _comments(part) + _dump(_kept(doc))
        elif _lacks_pull_secrets(doc, pull_secrets):
            part = "\n" + _comments(part) + _dump(_with_pull_secrets(doc, pull_secrets))
        out.append(part)
    # Helm refuses a post-renderer's empty output; a comment is no object.
    return "---".join(out) if "".join(out).strip() else "# no objects\n"


def main(argv: list[str]) -> int:
    shared = "--shared" in argv
    secrets = tuple(a.removeprefix(PULL_SECRET_FLAG) for a in argv if a.startswith(PULL_SECRET_FLAG))
    args = [a for a in argv if a != "--shared" and not a.startswith(PULL_SECRET_FLAG)]
    if len(args) != 1 or not all(secrets):
        sys.stderr.write("usage: python -m osprey.clusterscope <namespace> [--shared] "
                         "[--pull-secret=<name>]...\n")
        return 2
    sys.stdout.write(post_render(sys.stdin.read(), args[0], shared=shared,
                                 pull_secrets=secrets))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
