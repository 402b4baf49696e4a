"""The shape of a catalog entry: everything Osprey knows about one OpenStack-Helm chart.

An entry is pure data plus pure functions of the spec: which release it is, when it is
enabled, what must exist before it is installed, which workloads it owns, and the values it
renders. Concrete entries live in `osprey.catalog.charts`, one module per chart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from osprey.api.spec import DEFAULT_API_REPLICAS, Autoscaling, ControlPlaneSpec
from osprey.catalog import credentials
from osprey.catalog.enablement import enabled_releases
from osprey.catalog.releases import ReleaseCatalog, load_release_catalog
from osprey.catalog.values.merge import deep_merge, plain
from osprey.catalog.values.shared import shared_values
from osprey.versions import VersionPin


@dataclass(frozen=True)
class Workload:
    """A controller object a release owns: its readiness is the release's readiness."""

    kind: str  # "Deployment" | "StatefulSet" | "DaemonSet" | "Job"
    name: str


@dataclass(frozen=True)
class Claim:
    """A PersistentVolumeClaim a chart renders itself (not from a volumeClaimTemplate): its
    spec is immutable, so the storage class it asks for must match a claim that survived."""

    name: str
    storage_class: str | None  # None: the cluster's default, whatever it is
    field: str  # the spec field the class comes from, e.g. spec.services.glance.storage...


@dataclass(frozen=True)
class ValuesContext:
    """Everything a values builder may read; builders read nothing else."""

    spec: ControlPlaneSpec
    namespace: str
    release: ReleaseCatalog
    credentials: Mapping[str, str]
    # Per chart, the values its valuesFrom references resolved to (osprey.valuesfrom).
    values_from: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def secret(self, key: str) -> str:
        """A generated credential; a missing one is a bug in the caller, named precisely."""
        try:
            return self.credentials[key]
        except KeyError:
            raise KeyError(
                f"credential {key!r} is missing from the credentials Secret; "
                "it must hold every key of osprey.catalog.credential_keys(spec)"
            ) from None


@dataclass(frozen=True)
class ChartEntry(ABC):
    """One OpenStack-Helm chart, installed as a release of the same name.

    Subclasses declare facts as class attributes (which users and endpoints the chart
    holds) and implement the few methods that depend on the spec.
    """

    name: str
    stateful: bool = False
    # Candidate dependency edges; only the enabled ones are reported (see requires_ready).
    ready_before: tuple[str, ...] = field(default=(), repr=False)
    installed_before: tuple[str, ...] = field(default=(), repr=False)

    #: The Deployment an HorizontalPodAutoscaler scales, if the chart has an API.
    api: ClassVar[Workload | None] = None
    #: `labels.<group>` of the chart that OpenStack-Helm places on control-plane nodes.
    control_plane_labels: ClassVar[tuple[str, ...]] = ()
    #: The chart may render objects the cluster shares (osprey.clusterscope.SHARED).
    renders_shared: ClassVar[bool] = False
    #: `labels.<group>` of the chart's node agents, per node pool (spec.nodePools).
    agent_labels: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: Endpoint types whose public host follows spec.publicDomain (e.g. "identity").
    public_endpoints: ClassVar[tuple[str, ...]] = ()
    #: The chart talks to Keystone as admin (endpoints.identity.auth.admin).
    uses_identity: ClassVar[bool] = False
    #: Keystone users this chart's ks-user Jobs create (their passwords are generated).
    keystone_users: ClassVar[tuple[str, ...]] = ()
    #: Other services' Keystone users the chart configures when those services are enabled.
    peer_users: ClassVar[tuple[str, ...]] = ()
    #: Database user of the chart and the `endpoints.*` keys holding its connection.
    database_user: ClassVar[str | None] = None
    database_endpoints: ClassVar[tuple[str, ...]] = ("oslo_db",)
    #: RabbitMQ user of the chart (endpoints.oslo_messaging.auth.<user>).
    messaging_user: ClassVar[str | None] = None
    #: The chart encrypts its Keystone token cache (endpoints.oslo_cache.auth.memcache_secret_key).
    uses_memcache_secret: ClassVar[bool] = False
    #: Credentials specific to this chart (e.g. the MariaDB root password).
    own_credentials: ClassVar[tuple[str, ...]] = ()

    def enabled(self, spec: ControlPlaneSpec) -> bool:
        """Whether the spec asks for this release (directly or through a service)."""
        return self.name in enabled_releases(spec)

    def requires_ready(self, spec: ControlPlaneSpec) -> tuple[str, ...]:
        """Releases that must be Ready before this one is installed."""
        return self._enabled_only(self.ready_before + self.extra_ready(spec), spec)

    def requires_installed(self, spec: ControlPlaneSpec) -> tuple[str, ...]:
        """Releases that must merely be deployed first (they may wait on this one's pods)."""
        return self._enabled_only(self.installed_before + self.extra_installed(spec), spec)

    def extra_ready(self, spec: ControlPlaneSpec) -> tuple[str, ...]:
        """Ready-edges that depend on the spec (e.g. the network backend)."""
        return ()

    def extra_installed(self, spec: ControlPlaneSpec) -> tuple[str, ...]:
        """Installed-edges that depend on the spec."""
        return ()

    @abstractmethod
    def settings(self, spec: ControlPlaneSpec) -> Any:
        """The part of the spec that configures this chart (has at least `.values`)."""

    @abstractmethod
    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        """What the chart renders from this spec (hook Jobs excluded: Helm waits on them)."""

    @abstractmethod
    def build(self, ctx: ValuesContext) -> dict[str, Any]:
        """Osprey's values for the chart, before the user's raw values."""

    def chart_version(self, spec: ControlPlaneSpec) -> str:
        """The chart version pin: spec.charts.versions, spec.charts.version, else the release
        catalog's release line (e.g. `2025.1`: the newest patch of that line)."""
        charts = spec.charts
        pinned = charts.versions.get(self.name) or charts.version
        return pinned or load_release_catalog(spec.openstackRelease).chart_version(self.name)

    def chart_series(self, spec: ControlPlaneSpec) -> tuple[int, int]:
        """(year, number) of the pinned line or version, e.g. (2025, 2) for 2025.2.3+abc:
        charts change layout between OpenStack-Helm release series."""
        try:
            return VersionPin.parse(self.chart_version(spec)).series
        except ValueError as exc:
            raise ValueError(
                f"chart version of {self.name} (spec.charts.version / spec.charts.versions): "
                f"{exc}"
            ) from None

    def claims(self, spec: ControlPlaneSpec) -> tuple[Claim, ...]:
        """PersistentVolumeClaims the chart renders directly (none by default)."""
        return ()

    def api_workload(self, spec: ControlPlaneSpec) -> Workload | None:
        """The Deployment an HPA would scale, or None if the chart has no API."""
        return self.api

    def autoscaling(self, spec: ControlPlaneSpec) -> Autoscaling | None:
        """The spec's autoscaling of the API, if any."""
        if self.api is None:
            return None
        return getattr(self.settings(spec), "autoscaling", None)

    def credential_keys(self, spec: ControlPlaneSpec) -> tuple[str, ...]:
        """Keys of the credentials Secret this chart's values read."""
        keys: list[str] = list(self.own_credentials)
        if self.uses_identity:
            keys.append(credentials.KEYSTONE_ADMIN)
        keys += [credentials.keystone_password(user) for user in self.keystone_users]
        if self.database_user:
            keys += [credentials.MARIADB_ROOT, credentials.database_password(self.database_user)]
        if self.messaging_user:
            keys += [
                credentials.RABBITMQ_ADMIN,
                credentials.messaging_password(self.messaging_user),
            ]
        if self.uses_memcache_secret:
            keys.append(credentials.MEMCACHE_SECRET)
        return tuple(dict.fromkeys(keys))

    def values(self, ctx: ValuesContext) -> dict[str, Any]:
        """JSON-plain values: shared facts, then the chart's own, then the user's `valuesFrom`
        and `values` (as Flux merges a HelmRelease's)."""
        layers = deep_merge(shared_values(self, ctx), self.build(ctx))
        layers = deep_merge(layers, ctx.values_from.get(self.name, {}))
        return plain(deep_merge(layers, self.settings(ctx.spec).values))

    def api_replicas(self, spec: ControlPlaneSpec, fixed: int | None) -> int | None:
        """The API replica count to render: None (key rendered null) when autoscaled, the
        spec's count otherwise, DEFAULT_API_REPLICAS when the spec leaves it unset.

        A null replica key makes OpenStack-Helm's template emit `replicas:` empty, so the
        Deployment has no replicas field owned by Helm and the HPA alone decides; rendering
        the HPA's minimum instead would make every upgrade scale the API back down.
        """
        if self.autoscaling(spec) is not None:
            return None
        return DEFAULT_API_REPLICAS if fixed is None else fixed

    def _enabled_only(self, names: tuple[str, ...], spec: ControlPlaneSpec) -> tuple[str, ...]:
        enabled = enabled_releases(spec)
        return tuple(dict.fromkeys(n for n in names if n in enabled))
