"""Credential rotation (spec.credentials.rotate): a service's own passwords, one service at a
time, in the order the real world needs.

OpenStack-Helm's db-init Job only creates a database user (`CREATE USER IF NOT EXISTS`) and then
connects with the configured password: a changed password in the values makes it fail, the
user keeps the old one. Its ks-user Job (`openstack user set --password`) and rabbit-init Job
(`declare user`) do set a changed password. So Osprey changes the database user itself first
(a Job as the MariaDB root: `ALTER USER`), then puts the new passwords in the credentials
Secret, and the usual reconcile upgrades every release that renders them (its hook Jobs update
the Keystone and RabbitMQ users; its pods restart on the changed configuration).

`steps` is the pure state machine, `job` the database Job, `driver` where they meet the cluster.
"""
