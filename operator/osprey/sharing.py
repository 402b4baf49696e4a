"""One copy of a configuration in memory, not two.

A release's rendered Secrets and ConfigMaps live twice in the operator: in the release's
decoded manifest (what drift compares against) and in the watch cache (the live object). At
OpenStack-Helm's sizes that is most of the memory a control plane costs (neutron's
configuration alone renders 400 KiB). Both sides pass their large data values through
`shared`, so that equal values are one string object.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

# Values shorter than this are not worth a lookup.
SHARED_MIN_LENGTH = 512
_DATA_KEYS = {"Secret": ("data", "stringData"), "ConfigMap": ("data", "binaryData")}


def shared(obj: Mapping[str, Any], kind: str | None = None) -> Mapping[str, Any]:
    """`obj` with the large strings of its data interned (in place: the caller owns it).
    `kind` for objects that do not name theirs (a watch's or a list's items)."""
    for key in _DATA_KEYS.get(kind or obj.get("kind", ""), ()):
        data = obj.get(key)
        if isinstance(data, dict):
            for name, value in data.items():
                if type(value) is str and len(value) >= SHARED_MIN_LENGTH:
                    data[name] = sys.intern(value)
    return obj
