"""Dependencies every OpenStack service shares."""

#: What an OpenStack API service needs running before its db-init/ks-user Jobs can succeed.
SERVICE_BASE = ("mariadb", "rabbitmq", "memcached", "keystone")
