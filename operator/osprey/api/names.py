"""The names of the OpenStackControlPlane API, shared by the CRD, the handlers and the CLI."""

GROUP = "osprey.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "OpenStackControlPlane"
PLURAL = "openstackcontrolplanes"
SINGULAR = "openstackcontrolplane"
SHORT_NAMES = ("oscp", "osctlplane")

# The label Osprey puts on the objects it creates (credentials Secret, HPAs), valued with the
# control plane's name; Helm's storage Secrets of its releases carry it too.
CONTROL_PLANE_LABEL = "osprey.dev/control-plane"
# A label value is at most 63 characters, and that is the tightest place the name goes: the
# other derived names (`<name>-credentials`, a DNS subdomain of up to 253) fit easily.
MAX_NAME_LENGTH = 63
NAME_TOO_LONG = (f"must be no more than {MAX_NAME_LENGTH} characters: the name is the value of "
                 f"the {CONTROL_PLANE_LABEL} label on the objects Osprey creates")
