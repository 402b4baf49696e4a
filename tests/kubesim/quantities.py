"""Resource quantities as kube-apiserver keeps them (k8s.io/apimachinery pkg/api/resource).

A Quantity field is decoded and re-encoded in its canonical form: what a client reads back is
not what it wrote (`cpu: 0.5` reads `500m`, `2000m` reads `2`, `1024Mi` reads `1Gi`, a number
reads as a string). A client comparing its manifest with the live object sees a difference
unless it compares quantities by value. Anything that is not a quantity is refused, as the
decoder refuses it.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from .errors import ApiError

# The message of resource.ErrFormatWrong.
_FORMAT_WRONG = ("quantities must match the regular expression "
                 "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
_NUMBER = re.compile(r"^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(.*)$")
_EXPONENT = re.compile(r"^[eE]([+-]?[0-9]+)$")
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {exponent: suffix for suffix, exponent in _DECIMAL.items()}
_BINARY_SUFFIX = {0: "", **{bits // 10: suffix for suffix, bits in _BINARY.items()}}
_NANO = Fraction(1, 10**9)


def _parse(text: str) -> tuple[Fraction, str]:
    """(value, format) with format one of BinarySI, DecimalSI, DecimalExponent."""
    match = _NUMBER.match(text.strip())
    if not match:
        raise ValueError(_FORMAT_WRONG)
    sign, digits, suffix = match.groups()
    value = Fraction(digits)
    if suffix in _BINARY:
        value, form = value * 2 ** _BINARY[suffix], "BinarySI"
    elif suffix in _DECIMAL:
        value, form = value * Fraction(10) ** _DECIMAL[suffix], "DecimalSI"
    elif (exponent := _EXPONENT.match(suffix)) is not None:
        value, form = value * Fraction(10) ** int(exponent.group(1)), "DecimalExponent"
    else:
        raise ValueError("unable to parse quantity's suffix")
    if value:  # non-zero amounts round up to the smallest representable one, a nano
        value = Fraction(math.ceil(value / _NANO)) * _NANO
    if form == "BinarySI" and 0 < value < 1:
        form = "DecimalSI"
    return (-value if sign == "-" else value), form


def _strip(number: int, factor: int) -> tuple[int, int]:
    times = 0
    while number and number % factor == 0:
        number //= factor
        times += 1
    return number, times


def canonical(quantity: Any) -> str:
    """The string kube-apiserver stores for a quantity written as `quantity` (a string or a
    JSON number); ValueError with the decoder's message when it is none."""
    text = quantity if isinstance(quantity, str) else None
    if isinstance(quantity, (int, float)) and not isinstance(quantity, bool):
        text = str(quantity)
    if text is None:  # the decoder's error, whatever JSON type it was given
        raise ValueError(_FORMAT_WRONG)
    value, form = _parse(text)
    if value == 0:
        return "0"
    if form == "BinarySI" and (abs(value) < 1024 or value.denominator != 1):
        form = "DecimalSI"
    if form == "BinarySI":
        mantissa, power = _strip(int(value), 1024)
        return f"{mantissa}{_BINARY_SUFFIX[power]}"
    scale = 0
    while value.denominator != 1:  # exact: a nano at most
        value *= 10
        scale -= 1
    mantissa, times = _strip(int(value), 10)
    exponent = scale + times
    mantissa *= 10 ** (exponent % 3)
    exponent -= exponent % 3
    if form == "DecimalSI" and exponent in _DECIMAL_SUFFIX:
        return f"{mantissa}{_DECIMAL_SUFFIX[exponent]}"
    return f"{mantissa}e{exponent}" if exponent else str(mantissa)


def _canonical_map(values: Any, kind: str) -> None:
    if not isinstance(values, dict):
        return
    for name, quantity in values.items():
        try:
            values[name] = canonical(quantity)
        except ValueError as err:
            raise ApiError(
                400, "BadRequest", f'{kind} in version "v1" cannot be handled as a {kind}: {err}'
            ) from None


def _requirements(resources: Any, kind: str) -> None:
    if isinstance(resources, dict):
        for field in ("requests", "limits"):
            _canonical_map(resources.get(field), kind)


def canonical_pod_spec(spec: Any, kind: str) -> None:
    """Container and pod-level resources, emptyDir size limits and ephemeral claim templates
    of a pod spec, in place."""
    if not isinstance(spec, dict):
        return
    _requirements(spec.get("resources"), kind)
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                _requirements(container.get("resources"), kind)
    for volume in spec.get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        empty_dir = volume.get("emptyDir")
        if isinstance(empty_dir, dict) and "sizeLimit" in empty_dir:
            holder = {"sizeLimit": empty_dir["sizeLimit"]}
            _canonical_map(holder, kind)
            empty_dir["sizeLimit"] = holder["sizeLimit"]
        claim = ((volume.get("ephemeral") or {}).get("volumeClaimTemplate") or {}).get("spec")
        if isinstance(claim, dict):
            _requirements(claim.get("resources"), kind)


def canonical_claim_spec(spec: Any, kind: str) -> None:
    if isinstance(spec, dict):
        _requirements(spec.get("resources"), kind)


def canonical_workload(key: tuple[str, str], obj: dict[str, Any], kind: str) -> None:
    """A Pod, or the pod template (and claim templates) of a workload, in place."""
    spec = obj.get("spec") or {}
    if key == ("", "pods"):
        canonical_pod_spec(spec, kind)
        return
    if key == ("batch", "cronjobs"):
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    canonical_pod_spec((spec.get("template") or {}).get("spec"), kind)
    for claim in spec.get("volumeClaimTemplates") or []:
        if isinstance(claim, dict):
            canonical_claim_spec(claim.get("spec"), kind)
