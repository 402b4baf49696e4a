"""JSON from the API server and from Helm's records, decoded with msgspec.

What the operator decodes while a fleet converges is mostly JSON: watch events, answers to its
requests, the releases Helm stores (a release of OpenStack-Helm, with its chart and its
rendered manifest, is several hundred KiB of JSON). msgspec decodes the same text into the
same dicts and lists as `json.loads` in about half the time (an 850 KB release: 3.6 to 1.7 ms;
a Pod's watch event: 9.5 to 5.2 us; docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

import msgspec


def loads(data: bytes | str) -> Any:
    """`json.loads`, faster; invalid JSON raises ValueError as json's does."""
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
