"""Operator policy: what whoever may create a control plane may ask the operator to do.

A control plane's creator chooses where charts come from (a server-side request to anywhere)
and raw chart values (OpenStack-Helm's `extraObjects` alone creates arbitrary objects with the
operator's rights). The policy comes from the operator's flags (the chart's `policy` values),
never from the resource, and is checked on every pass: a violation is InvalidSpec naming the
field, and nothing is changed.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from osprey.api.sections import chart_sections
from osprey.api.spec import DEFAULT_CHART_REPOSITORY, ControlPlaneSpec
from osprey.valuesfrom import ResolvedValues

# Values keys whose content OpenStack-Helm renders as whole objects of any kind (every chart
# of the catalog has templates/extra-manifests.yaml rendering `extraObjects`, 2026.1).
DEFAULT_DENIED_VALUES_KEYS = ("extraObjects",)


@dataclass(frozen=True)
class Policy:
    """`chart_repositories`: URL patterns (`*` matches anything, as in Argo CD's sourceRepos);
    `local_chart_roots`: directories under which local chart directories may be used;
    `denied_values_keys`: dotted values paths no values layer of the spec may set."""

    chart_repositories: tuple[str, ...] = (DEFAULT_CHART_REPOSITORY,)
    local_chart_roots: tuple[str, ...] = ()
    denied_values_keys: tuple[str, ...] = DEFAULT_DENIED_VALUES_KEYS

    def violations(self, spec: ControlPlaneSpec,
                   resolved: ResolvedValues | None = None) -> list[tuple[str, str]]:
        """Every (field, message) the spec breaks; empty when it complies."""
        errors = self._repository_errors(spec.charts.repository)
        for section in chart_sections(spec):
            errors += self._values_errors(f"{section.field}.values", section.settings.values)
            for i, ref in enumerate(section.settings.valuesFrom):
                if ref.path is not None:
                    denied = self._denied_at(tuple(ref.path.split(".")))
                    if denied:
                        errors.append((f"{section.field}.valuesFrom[{i}].path",
                                       self._denied_message(denied)))
        for layer in (resolved.layers if resolved else ()):
            errors += self._values_errors(layer.field, layer.values)
        return errors

    # --- chart repository ---------------------------------------------------------------

    def _repository_errors(self, repository: str) -> list[tuple[str, str]]:
        if repository.startswith("/"):
            if self._local_allowed(repository):
                return []
            roots = ", ".join(self.local_chart_roots) or "none"
            return [("spec.charts.repository",
                     (f"local chart directory {repository} is not allowed by the operator's "
                     f"policy: allowed only under {roots} (a normalised absolute path; the "
                     "operator's --local-charts-root)"))]
        if any(fnmatch.fnmatchcase(repository.rstrip("/"), pattern.rstrip("/"))
               for pattern in self.chart_repositories):
            return []
        allowed = ", ".join(self.chart_repositories) or "none"
        return [("spec.charts.repository",
                 (f"chart repository {repository} is not allowed by the operator's policy: "
                 f"allowed are {allowed} (the operator's --allow-chart-repository)"))]

    def _local_allowed(self, path: str) -> bool:
        # A path that is not normalised (.., //, a trailing /.) could leave the root after
        # the check: refused whatever it would resolve to.
        if posixpath.normpath(path) != path.rstrip("/") or path.startswith("//"):
            return False
        for root in self.local_chart_roots:
            root = posixpath.normpath(root)
            if root == "/" or path == root or path.startswith(root + "/"):
                return True
        return False

    # --- values keys --------------------------------------------------------------------

    def _values_errors(self, field: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        errors = []
        for denied in self.denied_values_keys:
            if _has_path(values, denied.split(".")):
                errors.append((f"{field}.{denied}", self._denied_message(denied)))
        return errors

    def _denied_at(self, path: tuple[str, ...]) -> str | None:
        """A denied key that setting `path` would set: the path is the key, or lies under it,
        or above it (a string there replaces whatever the key held)."""
        for denied in self.denied_values_keys:
            parts = tuple(denied.split("."))
            n = min(len(parts), len(path))
            if parts[:n] == path[:n]:
                return denied
        return None

    def _denied_message(self, key: str) -> str:
        return (f"values key {key} is denied by the operator's policy: the charts render its "
                "content as arbitrary Kubernetes objects with the operator's rights (the "
                "operator's --deny-values-key)")


def _has_path(values: Any, parts: Iterable[str]) -> bool:
    for part in parts:
        if not isinstance(values, Mapping) or part not in values:
            return False
        values = values[part]
    return True
