"""Osprey: an operator that runs an OpenStack control plane on Kubernetes with OpenStack-Helm."""

__version__ = "0.1.0"
