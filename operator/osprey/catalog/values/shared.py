"""The facts every chart must render identically: credentials, endpoints, placement, images.

OpenStack-Helm charts each carry their own copy of the shared endpoints (the admin user, the
database root, the RabbitMQ user and replica count, the memcache key...). Rendering them
from one function is what keeps the copies equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from osprey.api.pools import DEFAULT_COMPUTE, DEFAULT_NETWORK
from osprey.api.spec import ControlPlaneSpec, Storage
from osprey.catalog import credentials as keys
from osprey.catalog.enablement import enabled_releases
from osprey.catalog.values.exposure import public_endpoint_values
from osprey.catalog.values.images import image_tags, pull_secret_values
from osprey.catalog.values.internal_tls import internal_tls_values
from osprey.catalog.values.merge import deep_merge, nested

if TYPE_CHECKING:
    from osprey.catalog.entry import ChartEntry, ValuesContext

ADMIN_USER = "admin"
RABBITMQ_USER = "rabbitmq"
MARIADB_ROOT_USER = "root"

DEFAULT_POOLS = {"compute": DEFAULT_COMPUTE, "network": DEFAULT_NETWORK}


def shared_values(entry: ChartEntry, ctx: ValuesContext) -> dict[str, Any]:
    """The shared layer of `entry`'s values, driven by the facts the entry declares."""
    layers = [
        image_tags(entry.name, ctx.spec, ctx.release),
        pull_secret_values(ctx.spec),
        node_selectors(ctx.spec, entry.control_plane_labels),
        agent_node_selectors(ctx.spec, entry.agent_labels),
        identity(entry, ctx),
        database(entry, ctx),
        messaging(entry, ctx),
        cache(entry, ctx),
        public_endpoint_values(entry.name, entry.public_endpoints, ctx.spec),
        internal_tls_values(entry, ctx),
        api_rollout(entry),
    ]
    result: dict[str, Any] = {}
    for layer in layers:
        result = deep_merge(result, layer)
    return result


def api_rollout(entry: ChartEntry) -> dict[str, Any]:
    """Rollouts that keep the API serving: a new pod is ready before an old one goes.

    OpenStack-Helm's `max_unavailable: 1` lets the only pod of a one-replica API (the default)
    go at once, so every configuration change (a rotated password, an upgrade) took the API
    down until the new pod was ready. The API charts' anti-affinity is preferred, so the surge
    pod can always be placed.
    """
    if entry.api is None or entry.api.kind != "Deployment":
        return {}
    return nested("pod.lifecycle.upgrades.deployments.rolling_update.max_unavailable", 0)


def node_selectors(spec: ControlPlaneSpec, groups: tuple[str, ...]) -> dict[str, Any]:
    """`labels.<group>.node_selector_key/value` for each control-plane group.

    OpenStack-Helm selects nodes by a single label, so the first pair of spec.nodeSelector
    is used; with an empty nodeSelector the charts keep their default label.
    """
    if not spec.nodeSelector:
        return {}
    key, value = next(iter(spec.nodeSelector.items()))
    result: dict[str, Any] = {}
    for group in groups:
        selector = {"node_selector_key": key, "node_selector_value": value}
        result = deep_merge(result, nested(f"labels.{group}", selector))
    return result


def agent_node_selectors(
    spec: ControlPlaneSpec, groups: Mapping[str, tuple[str, ...]]
) -> dict[str, Any]:
    """`labels.<group>.node_selector_key/value` of the node agents of each pool.

    Only a pool that differs from OpenStack-Helm's label is rendered: the charts already say
    the default, and rendering it again would change every release's values for nothing.
    """
    result: dict[str, Any] = {}
    for pool, pool_groups in groups.items():
        chosen = getattr(spec.nodePools, pool)
        if not chosen or chosen == DEFAULT_POOLS.get(pool):
            continue
        key, value = next(iter(chosen.items()))
        selector = {"node_selector_key": key, "node_selector_value": value}
        for group in pool_groups:
            result = deep_merge(result, nested(f"labels.{group}", selector))
    return result


def identity(entry: ChartEntry, ctx: ValuesContext) -> dict[str, Any]:
    """The Keystone admin, the chart's own users and the enabled peers' users."""
    if not entry.uses_identity:
        return {}
    region = ctx.spec.region
    auth: dict[str, Any] = {
        "admin": {
            "username": ADMIN_USER,
            "password": ctx.secret(keys.KEYSTONE_ADMIN),
            "region_name": region,
        }
    }
    enabled = enabled_releases(ctx.spec)
    peers = tuple(user for user in entry.peer_users if user in enabled)
    for user in entry.keystone_users + peers:
        auth[user] = {"password": ctx.secret(keys.keystone_password(user)), "region_name": region}
    return nested("endpoints.identity.auth", auth)


def database(entry: ChartEntry, ctx: ValuesContext) -> dict[str, Any]:
    """The MariaDB root (admin) and the chart's own user, on each of its database endpoints."""
    user = entry.database_user
    if user is None:
        return {}
    auth = {
        "admin": {"username": MARIADB_ROOT_USER, "password": ctx.secret(keys.MARIADB_ROOT)},
        user: {"password": ctx.secret(keys.database_password(user))},
    }
    return {"endpoints": {endpoint: {"auth": auth} for endpoint in entry.database_endpoints}}


def messaging(entry: ChartEntry, ctx: ValuesContext) -> dict[str, Any]:
    """The RabbitMQ admin user, the chart's own user, and the RabbitMQ replica count.

    Clients list every RabbitMQ pod in their transport URL, so the replica count must be
    the one RabbitMQ actually runs.
    """
    user = entry.messaging_user
    if user is None:
        return {}
    oslo_messaging = {
        "auth": {
            "admin": {"username": RABBITMQ_USER, "password": ctx.secret(keys.RABBITMQ_ADMIN)},
            user: {"password": ctx.secret(keys.messaging_password(user))},
        },
        "statefulset": {"replicas": ctx.spec.infrastructure.rabbitmq.replicas},
    }
    return nested("endpoints.oslo_messaging", oslo_messaging)


def cache(entry: ChartEntry, ctx: ValuesContext) -> dict[str, Any]:
    """The key that encrypts Keystone tokens cached in Memcached."""
    if not entry.uses_memcache_secret:
        return {}
    secret = ctx.secret(keys.MEMCACHE_SECRET)
    return nested("endpoints.oslo_cache.auth.memcache_secret_key", secret)


def storage_class(spec: ControlPlaneSpec, storage: Storage) -> str | None:
    """The claim's storage class: its own, else spec.storageClass, else None (cluster default)."""
    return storage.storageClass or spec.storageClass
