"""Secret and ConfigMap watches narrowed by the API server to the objects Osprey cares about.

Kopf receives every object of a kind it watches and filters them itself (`labels=` and `when=`
of its handlers are client-side), so a watch of all Secrets sends the operator every Secret
of every namespace it serves: users' certificates and keys included. Its
`settings.watching.label_selectors` is passed to the API server instead, one selector per
kind; one label therefore marks every Secret and ConfigMap whose change wakes a control plane:
`osprey.dev/watch: "true"`, the label users already put on valuesFrom sources. The watch
cache (watchcache.py), which replaces Kopf's watches of these kinds, selects the same way.

Who carries it: valuesFrom sources (their owners label them); the objects of every release
(the post-renderer stamps it, clusterscope.py); Helm's records of a release (`helm --labels`,
which Helm carries into every later revision); the credentials Secret (at creation).
Objects written before this existed (a control plane deployed by an earlier Osprey, a release
upgraded by another helm without the post-renderer) are stamped by the loop (`Stamping`):
before its first pass and after any new revision of a release, it lists the namespace's
Secrets and ConfigMaps as metadata and labels those of its own releases. A release installed
by hand is never written to, so its changes wake no loop: it is looked at at every pass. A pass lists only
labelled Secrets and ConfigMaps (observe.py); healing re-creates them labelled (heal.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

import kopf

from osprey.kube import Kube, KubeError, resource
from osprey.releases import HELM_STORAGE_SELECTOR, OWNER_LABEL, DeployedRelease
from osprey.valuesfrom import WATCH_LABEL

WATCHED = "true"
WATCH_SELECTOR = f"{WATCH_LABEL}={WATCHED}"
STAMP = {WATCH_LABEL: WATCHED}
NARROWED_KINDS = (("", "v1", "secrets"), ("", "v1", "configmaps"))
RELEASE_ANNOTATION = "meta.helm.sh/release-name"
MANAGED_BY_OSPREY = ("app.kubernetes.io/managed-by", "osprey")  # the credentials Secret
STAMPED_KINDS = ("Secret", "ConfigMap")

Ref = tuple[str, str]  # (kind, name)


def narrow_watches(settings: kopf.OperatorSettings) -> None:
    """Kopf's watches of Secrets and ConfigMaps send only objects with the watch label."""
    for group, version, plural in NARROWED_KINDS:
        settings.watching.label_selectors[group, version, plural] = WATCH_SELECTOR


def cared_for(labels: Mapping[str, str], annotations: Mapping[str, str]) -> bool:
    """Whether a change of the object wakes the control planes of its namespace: an object of
    a release, Helm's record of one, the credentials Secret, a valuesFrom source."""
    return (
        RELEASE_ANNOTATION in annotations
        or "release_group" in labels
        or labels.get(MANAGED_BY_OSPREY[0]) == MANAGED_BY_OSPREY[1]
        # Helm's record of a release: another helm's last write (pending -> deployed) may come
        # after every change of the objects, and nothing else would wake the loop.
        or labels.get("owner") == HELM_STORAGE_SELECTOR.split("=")[1]
        or labels.get(WATCH_LABEL) == WATCHED
    )


def unlabelled(secrets: Iterable[Mapping[str, Any]],
               configmaps: Iterable[Mapping[str, Any]]) -> list[Ref]:
    """Secrets and ConfigMaps (as listed, metadata is enough) of Osprey's that lack the watch
    label: the credentials Secret, and of each release that is ours (`osprey.dev/control-plane`
    on its newest record) that record, whose labels Helm carries into the next revision, and
    the objects of the release. A release installed by hand is left untouched."""
    secrets = list(secrets)
    newest = newest_records(secrets)
    ours = {name for name, (_, owner) in newest.items() if owner}
    refs: list[Ref] = []
    for kind, objects in (("Secret", secrets), ("ConfigMap", configmaps)):
        for obj in objects:
            meta = obj.get("metadata") or {}
            labels, annotations = meta.get("labels") or {}, meta.get("annotations") or {}
            if labels.get(WATCH_LABEL) == WATCHED:
                continue
            if labels.get("owner") == "helm":
                release = labels.get("name", "")
                wanted = (release in ours
                          and int(labels.get("version") or 0) == newest[release][0])
            else:
                release = annotations.get(RELEASE_ANNOTATION) or labels.get("release_group")
                wanted = (release in ours
                          or labels.get(MANAGED_BY_OSPREY[0]) == MANAGED_BY_OSPREY[1])
            if wanted:
                refs.append((kind, meta["name"]))
    return sorted(refs)


Records = dict[str, tuple[int, str]]  # release -> (newest revision, its owner label or "")


def newest_records(secrets: Iterable[Mapping[str, Any]]) -> Records:
    """Each release's newest revision and its owner, from Helm's records among `secrets`."""
    newest: Records = {}
    for obj in secrets:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        name = labels.get("name")
        if labels.get("owner") == "helm" and name:
            revision = int(labels.get("version") or 0)
            if revision >= newest.get(name, (0, ""))[0]:
                newest[name] = (revision, labels.get(OWNER_LABEL, ""))
    return newest


async def stamp(kube: Kube, namespace: str, refs: Iterable[Ref]) -> list[Ref]:
    """Put the watch label on each object; returns those stamped (one gone meanwhile is not)."""
    stamped = []
    for kind, name in refs:
        try:
            await kube.merge_patch(resource(kind), namespace, name,
                                   {"metadata": {"labels": STAMP}})
        except KubeError as exc:
            if exc.status != 404:
                raise
            continue
        stamped.append((kind, name))
    return stamped


class Stamping:
    """The watch label on a namespace's objects, for one control plane's loop.

    Before a pass observes, `ensure` lists the namespace's Secrets and ConfigMaps as metadata
    and stamps those that lack the label, the first time and again whenever a release has
    a new revision or owner since (`observed`): another helm may have written objects without
    the post-renderer, or a release was adopted. Otherwise it costs nothing; the pass itself
    lists only labelled objects.
    """

    def __init__(self, kube: Kube, namespace: str) -> None:
        self._kube = kube
        self._namespace = namespace
        self._checked: Records | None = None  # newest records at the last check
        self._seen: Records | None = None  # newest records the last pass saw

    async def ensure(self) -> list[Ref]:
        """Stamp what lacks the label, if a check is due; returns what was stamped."""
        if self._checked is not None and self._checked == self._seen:
            return []
        kube, namespace = self._kube, self._namespace
        secrets, configmaps = await asyncio.gather(
            kube.list_metadata(resource("Secret"), namespace),
            kube.list_metadata(resource("ConfigMap"), namespace))
        stamped = await stamp(kube, namespace, unlabelled(secrets, configmaps))
        self._checked = self._seen = newest_records(secrets)
        return stamped

    def observed(self, deployed: Mapping[str, DeployedRelease]) -> None:
        self._seen = {name: (release.revision, release.labels.get(OWNER_LABEL, ""))
                      for name, release in deployed.items()}
