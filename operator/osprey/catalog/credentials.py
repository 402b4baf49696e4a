"""Names of the keys of the credentials Secret.

The lead's secrets module generates one random value per key, once; the values builders read
them back through `ValuesContext.secret`. Keeping the naming here means a builder and the
key list can never disagree.
"""

from __future__ import annotations

KEYSTONE_ADMIN = "keystone-admin-password"
MARIADB_ROOT = "mariadb-root-password"
RABBITMQ_ADMIN = "rabbitmq-admin-password"
MEMCACHE_SECRET = "memcache-secret-key"
METADATA_PROXY_SECRET = "metadata-proxy-shared-secret"


def keystone_password(user: str) -> str:
    """Password of a service's Keystone user, e.g. nova-keystone-password."""
    return f"{_dashed(user)}-keystone-password"


def database_password(user: str) -> str:
    """Password of a service's MariaDB user, e.g. nova-db-password."""
    return f"{_dashed(user)}-db-password"


def messaging_password(user: str) -> str:
    """Password of a service's RabbitMQ user, e.g. nova-rabbitmq-password."""
    return f"{_dashed(user)}-rabbitmq-password"


def _dashed(name: str) -> str:
    return name.replace("_", "-")
