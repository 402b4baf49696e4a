"""`images.tags` of a chart: the release's images, moved to a registry mirror when asked.

A mirror must serve every image a chart can run, including the helm-toolkit ones a release
does not pin (dep_check, image_repo_sync, ...): those come from the release catalog's
`chartImages`, the charts' own defaults.

Pull secrets go into OpenStack-Helm's `pod.image_pull_secrets.default`, which only
helm-toolkit's Jobs read; the post-renderer (clusterscope.py) adds the same names to every
other pod template. Read back from the values (`pull_secrets`), they are part of the values'
digest, so a changed list upgrades the releases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog.releases import ReleaseCatalog

# Docker Hub's names: its official images live under library/ (docker.io/rabbitmq:3 is
# docker.io/library/rabbitmq:3), which a mirror's path must keep.
DOCKER_HUB = ("docker.io", "index.docker.io", "registry-1.docker.io")


def registry_host(component: str) -> bool:
    """Whether an image's first path component names a registry, as Docker decides it."""
    return "." in component or ":" in component or component == "localhost"


def mirrored(image: str, registry: str) -> str:
    """`image` pulled from `registry`: the registry host replaced, path and tag kept.

    An image without a registry host is Docker Hub's, its official images under library/
    (mariadb:11 and docker.io/mariadb:11 are docker.io/library/mariadb:11).
    """
    first, _, rest = image.partition("/")
    host, path = (first, rest) if rest and registry_host(first) else (DOCKER_HUB[0], image)
    if host in DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    return f"{registry}/{path}"


def image_tags(chart: str, spec: ControlPlaneSpec, release: ReleaseCatalog) -> dict[str, Any]:
    """`images.tags` of the spec's OpenStack release (charts default to older images); with
    spec.images.registry, every image of the chart, its defaults too, from the mirror."""
    tags = release.image_tags(chart)
    registry = spec.images.registry
    if registry is not None:
        tags = {**release.chart_images(chart), **tags}
        tags = {key: mirrored(image, registry) for key, image in tags.items()}
    return {"images": {"tags": tags}} if tags else {}


def pull_secret_values(spec: ControlPlaneSpec) -> dict[str, Any]:
    """`pod.image_pull_secrets.default` of spec.images.pullSecrets (nothing when empty)."""
    names = spec.images.pullSecrets
    if not names:
        return {}
    return {"pod": {"image_pull_secrets": {"default": [{"name": n} for n in names]}}}


def pull_secrets(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The names in a release's `pod.image_pull_secrets.default`, the last word of its values
    (a user's values may set it too): what the post-renderer adds to every pod template."""
    pod = values.get("pod")
    secrets = pod.get("image_pull_secrets") if isinstance(pod, Mapping) else None
    entries = secrets.get("default") if isinstance(secrets, Mapping) else None
    if not isinstance(entries, list):
        return ()
    names = (e.get("name") for e in entries if isinstance(e, Mapping))
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str) and n))
