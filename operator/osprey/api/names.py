"""The names of the OpenStackControlPlane API, shared by the CRD, the handlers and the CLI."""

GROUP = "osprey.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "OpenStackControlPlane"
PLURAL = "openstackcontrolplanes"
SINGULAR = "openstackcontrolplane"
SHORT_NAMES = ("oscp", "osctlplane")
