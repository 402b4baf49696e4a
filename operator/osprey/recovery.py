"""Credentials read back from the releases that use them. Pure.

Every generated password is rendered into the values of the charts that need it (MariaDB's
root password into `endpoints.oslo_db.auth.admin.password` of mariadb and of every chart with
a database, ...), and Helm keeps those values in its record of each release. When the
credentials Secret loses a key while a release of this control plane still holds it, the key
is taken back from there: generating it again would lock the control plane out (MariaDB
keeps the root password it was initialised with).

Where each key is rendered is learnt by rendering the values with a unique marker in place of
each credential, so the catalog's values builders remain the one source of truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from osprey import catalog
from osprey.api.spec import ControlPlaneSpec
from osprey.catalog import ValuesContext
from osprey.releases import DeployedRelease

Path = tuple[str, ...]
CredentialPaths = Mapping[str, tuple[Path, ...]]
"""Credential key -> where a chart's values hold it."""


def _marker(key: str) -> str:
    return f"\x00osprey-credential:{key}\x00"


def _leaves(values: Any, path: Path = ()) -> Iterable[tuple[Path, Any]]:
    if isinstance(values, Mapping):
        for key, value in values.items():
            yield from _leaves(value, (*path, str(key)))
    else:
        yield path, values


def credential_paths(
    spec: ControlPlaneSpec, namespace: str
) -> dict[str, dict[str, tuple[Path, ...]]]:
    """Per enabled release, in dependency order: where its values hold each credential."""
    markers = {_marker(key): key for key in catalog.credential_keys(spec)}
    ctx = ValuesContext(
        spec=spec,
        namespace=namespace,
        release=catalog.load_release_catalog(spec.openstackRelease.value),
        credentials={key: marker for marker, key in markers.items()},
    )
    result: dict[str, dict[str, tuple[Path, ...]]] = {}
    for entry in catalog.enabled_entries(spec):
        found: dict[str, list[Path]] = {}
        for path, value in _leaves(entry.values(ctx)):
            if isinstance(value, str) and value in markers:
                found.setdefault(markers[value], []).append(path)
        result[entry.name] = {key: tuple(paths) for key, paths in found.items()}
    return result


def value_at(values: Any, path: Path) -> Any:
    """The value at `path` of nested mappings, or None."""
    for key in path:
        if not isinstance(values, Mapping) or key not in values:
            return None
        values = values[key]
    return values


@dataclass(frozen=True)
class Recovery:
    found: dict[str, str] = field(default_factory=dict)  # key -> value held by a release
    sources: dict[str, str] = field(default_factory=dict)  # key -> the release it came from
    lost: dict[str, str] = field(default_factory=dict)  # key -> why it cannot be recovered


def recover(
    missing: Iterable[str],
    paths: Mapping[str, CredentialPaths],
    releases: Mapping[str, DeployedRelease],
) -> Recovery:
    """Take each missing key from the first of `releases` (this control plane's), in
    dependency order, whose stored values hold it where its chart renders it. A key no
    release holds is left to be generated; one held in a form that is not a password is lost.
    """
    recovery = Recovery()
    for key in missing:
        for name, where in paths.items():
            if name not in releases:
                continue
            values = releases[name].values
            held = [(p, value_at(values, p)) for p in where.get(key, ()) if _has(values, p)]
            usable = [v for _, v in held if isinstance(v, str) and v]
            if usable:
                recovery.found[key] = usable[0]
                recovery.sources[key] = name
                break
            if held:
                path = ".".join(held[0][0])
                recovery.lost[key] = (f"release {name} holds {key} at {path}, but not as a "
                                      "password")
                break
    return recovery


def _has(values: Any, path: Path) -> bool:
    parent = value_at(values, path[:-1])
    return isinstance(parent, Mapping) and path[-1] in parent
