"""coordination.k8s.io/v1 Leases as kube-apiserver takes them: typed fields decoded (a wrong
type or a time that is not a MicroTime is a 400 before validation), then ValidateLeaseSpec
(pkg/apis/coordination/validation). Osprey's leader election depends on both.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, invalid

INT32 = (-(2**31), 2**31 - 1)
# metav1.MicroTime decodes with time.Parse(RFC3339Micro): exactly six fraction digits.
MICRO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$")
KNOWN_STRATEGIES = ("OldestEmulationVersion",)


def _cannot_decode(detail: str) -> ApiError:
    return ApiError(400, "BadRequest",
                    f'Lease in version "v1" cannot be handled as a Lease: {detail}')


def _decode(spec: dict[str, Any]) -> None:
    for field in ("holderIdentity", "strategy", "preferredHolder"):
        value = spec.get(field)
        if value is not None and not isinstance(value, str):
            raise _cannot_decode(f"json: cannot unmarshal {type(value).__name__} into Go struct "
                                 f"field LeaseSpec.spec.{field} of type string")
    for field in ("leaseDurationSeconds", "leaseTransitions"):
        value = spec.get(field)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not (
                INT32[0] <= value <= INT32[1]):
            raise _cannot_decode(f"json: cannot unmarshal {value!r} into Go struct field "
                                 f"LeaseSpec.spec.{field} of type int32")
    for field in ("acquireTime", "renewTime"):
        value = spec.get(field)
        if value is not None and (not isinstance(value, str) or not MICRO_TIME.match(value)):
            raise _cannot_decode(f'parsing time "{value}" as '
                                 f'"2006-01-02T15:04:05.000000Z07:00": spec.{field} is not a '
                                 "MicroTime")


def validate_lease(obj: dict[str, Any]) -> None:
    spec = obj.get("spec") or {}
    if not isinstance(spec, dict):
        raise _cannot_decode("json: cannot unmarshal into Go struct field Lease.spec of type "
                             "v1.LeaseSpec")
    _decode(spec)
    causes = []
    duration, transitions = spec.get("leaseDurationSeconds"), spec.get("leaseTransitions")
    if duration is not None and duration <= 0:
        causes.append({"reason": "FieldValueInvalid", "field": "spec.leaseDurationSeconds",
                       "message": f"Invalid value: {duration}: must be greater than 0"})
    if transitions is not None and transitions < 0:
        causes.append({"reason": "FieldValueInvalid", "field": "spec.leaseTransitions",
                       "message": f"Invalid value: {transitions}: must be greater than or "
                                  "equal to 0"})
    strategy = spec.get("strategy")
    if strategy is not None and strategy not in KNOWN_STRATEGIES:
        raise ApiError(501, "NotImplemented",
                       f"kubesim does not implement Lease strategy {strategy!r}")
    if spec.get("preferredHolder") and not strategy:
        causes.append({"reason": "FieldValueForbidden", "field": "spec.preferredHolder",
                       "message": "Forbidden: may only be specified if `strategy` is defined"})
    if causes:
        raise invalid("Lease", "coordination.k8s.io", obj["metadata"]["name"], causes)
