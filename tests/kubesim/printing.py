"""What kube-apiserver's table printers share: the column type, ages as kubectl prints them
(duration.HumanDuration), label and selector text, the wide columns of workloads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    cell: Callable[[dict[str, Any]], Any]
    priority: int = 0
    description: str = ""
    format: str = ""


def field(obj: Any, *path: str, default: Any = None) -> Any:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None
    return default if obj is None else obj


def parse_time(stamp: str) -> datetime | None:
    for layout in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(stamp, layout).replace(tzinfo=UTC)
        except (TypeError, ValueError):
            continue
    return None


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = hours // 24 // 365, hours // 24 % 365
    if hours < 24 * 365 * 8:
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{years}y"


def since(stamp: Any) -> str:
    when = parse_time(stamp) if isinstance(stamp, str) else None
    if when is None:
        return "<unknown>"
    return human_duration((datetime.now(UTC) - when).total_seconds())


def age(obj: dict[str, Any]) -> str:
    return since(obj["metadata"].get("creationTimestamp"))


def labels_text(labels: dict[str, str] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


def selector_text(selector: dict[str, Any] | None) -> str:
    """metav1.FormatLabelSelector."""
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
        else:
            parts.append(f"{key} {op.lower()} ({','.join(values)})")
    return ",".join(parts) or "<none>"


def template_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return field(obj, "spec", "template", "spec", default={})


def _containers(obj: dict[str, Any]) -> str:
    return ",".join(c.get("name", "") for c in template_spec(obj).get("containers") or [])


def _images(obj: dict[str, Any]) -> str:
    return ",".join(c.get("image", "") for c in template_spec(obj).get("containers") or [])


def wide_columns(selector: bool = True) -> list[Column]:
    cols = [
        Column("Containers", "string", _containers, 1, "Names of each container in the template."),
        Column(
            "Images", "string", _images, 1, "Images referenced by each container in the template."
        ),
    ]
    if selector:
        cols.append(
            Column(
                "Selector",
                "string",
                lambda o: selector_text(field(o, "spec", "selector")),
                1,
                "Label selector of the pods.",
            )
        )
    return cols


# ---- pods -------------------------------------------------------------------------------
