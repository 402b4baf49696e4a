"""OpenStack release upgrades: the plan (steps, order, what each step renders), pre-flight
checks, the state kept in status.upgrade, and the driver a reconcile pass consults."""
