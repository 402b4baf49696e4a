"""kubesim: an in-process Kubernetes API simulator for Osprey's integration tests.

See README.md in this folder for what it implements and what it refuses (501/405).
"""

from .faults import FaultRule, Faults
from .simulator import Simulator

__all__ = ["FaultRule", "Faults", "Simulator"]
