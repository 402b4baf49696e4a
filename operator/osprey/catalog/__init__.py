"""The chart catalog: one entry per OpenStack-Helm chart, and the release catalogs.

`CATALOG` lists every chart in a topological order of its dependency edges, so installing in
catalog order never waits on a later entry.
"""

from __future__ import annotations

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog.charts.barbican import BarbicanChart
from osprey.catalog.charts.cinder import CinderChart
from osprey.catalog.charts.glance import GlanceChart
from osprey.catalog.charts.heat import HeatChart
from osprey.catalog.charts.horizon import HorizonChart
from osprey.catalog.charts.keystone import KeystoneChart
from osprey.catalog.charts.libvirt import LibvirtChart
from osprey.catalog.charts.mariadb import MariaDBChart
from osprey.catalog.charts.memcached import MemcachedChart
from osprey.catalog.charts.neutron import NeutronChart
from osprey.catalog.charts.nova import NovaChart
from osprey.catalog.charts.octavia import OctaviaChart
from osprey.catalog.charts.openvswitch import OpenvswitchChart
from osprey.catalog.charts.ovn import OvnChart
from osprey.catalog.charts.placement import PlacementChart
from osprey.catalog.charts.rabbitmq import RabbitMQChart
from osprey.catalog.enablement import enabled_releases
from osprey.catalog.entry import ChartEntry, Claim, ValuesContext, Workload
from osprey.catalog.releases import (
    ReleaseCatalog,
    UnknownReleaseError,
    available_releases,
    load_release_catalog,
)

CATALOG: tuple[ChartEntry, ...] = (
    MariaDBChart(),
    RabbitMQChart(),
    MemcachedChart(),
    KeystoneChart(),
    GlanceChart(),
    PlacementChart(),
    OpenvswitchChart(),
    OvnChart(),
    LibvirtChart(),
    NeutronChart(),
    NovaChart(),
    HorizonChart(),
    HeatChart(),
    CinderChart(),
    BarbicanChart(),
    OctaviaChart(),
)

_BY_NAME = {entry.name: entry for entry in CATALOG}


def entry(name: str) -> ChartEntry:
    """The catalog entry of a chart, by release name."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no catalog entry named {name!r}; known: {', '.join(_BY_NAME)}") from None


def enabled_entries(spec: ControlPlaneSpec) -> list[ChartEntry]:
    """The entries the spec enables, in catalog (topological) order."""
    names = enabled_releases(spec)
    return [item for item in CATALOG if item.name in names]


def credential_keys(spec: ControlPlaneSpec) -> list[str]:
    """Every key of the credentials Secret that the enabled entries read, without repeats."""
    keys: dict[str, None] = {}
    for item in enabled_entries(spec):
        keys.update(dict.fromkeys(item.credential_keys(spec)))
    return list(keys)


__all__ = [
    "CATALOG",
    "ChartEntry",
    "Claim",
    "ReleaseCatalog",
    "UnknownReleaseError",
    "ValuesContext",
    "Workload",
    "available_releases",
    "credential_keys",
    "enabled_entries",
    "entry",
    "load_release_catalog",
]
