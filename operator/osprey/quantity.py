"""Kubernetes resource quantities by value. Pure.

The API server stores a quantity in its canonical form (`2000m` reads back `2`, `1024Mi` reads
back `1Gi`, a number reads back as a string), so a manifest and the live object agree on a
quantity when their values are equal, not their strings.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

_SUFFIX = {
    "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": Fraction(1),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
    "P": Fraction(10**15), "E": Fraction(10**18),
    "Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30), "Ti": Fraction(2**40),
    "Pi": Fraction(2**50), "Ei": Fraction(2**60),
}
_QUANTITY = re.compile(
    r"^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$"
)


def quantity(value: Any) -> Fraction | None:
    """The value of a quantity (`500m`, `1Gi`, `1e3`, 2), None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    match = _QUANTITY.match(str(value).strip())
    if not match:
        return None
    number, suffix, exponent = match.groups()
    scale = Fraction(10) ** int(exponent) if exponent else _SUFFIX[suffix or ""]
    return Fraction(number) * scale
