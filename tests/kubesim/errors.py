"""kube-apiserver-shaped errors: every failure leaves the simulator as a `Status` object.

Clients (client-go, the Python client, Kopf) branch on `reason` and `code`, and users read
`message`, so both follow the apiserver's wording.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A request failed; `status()` is the body the apiserver would send."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if not self.reason:  # kube leaves out an empty reason (etcd's errors have none)
            del body["reason"]
        if self.details is not None:
            body["details"] = self.details
        return body


def qualified(plural: str, group: str) -> str:
    """`deployments.apps` or `configmaps`: how the apiserver names a resource in messages."""
    return f"{plural}.{group}" if group else plural


def not_found(plural: str, group: str, name: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{qualified(plural, group)} "{name}" not found',
        {"name": name, "group": group, "kind": plural},
    )


def already_exists(plural: str, group: str, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{qualified(plural, group)} "{name}" already exists',
        {"name": name, "group": group, "kind": plural},
    )


def conflict(plural: str, group: str, name: str, why: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified(plural, group)} "{name}": {why}',
        {"name": name, "group": group, "kind": plural},
    )


STALE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def not_implemented(feature: str) -> ApiError:
    """The honest answer for what kube-apiserver does and this simulator does not."""
    return ApiError(501, "NotImplemented", f"kubesim does not implement {feature}")


def method_not_allowed(method: str, what: str) -> ApiError:
    return ApiError(
        405,
        "MethodNotAllowed",
        f"the server does not allow this method on the requested resource: {method} {what}",
    )


def unsupported_media_type(content_type: str, what: str) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{what}; got {content_type!r}",
    )


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def invalid(kind: str, group: str, name: str, causes: list[dict[str, str]]) -> ApiError:
    """422 Invalid, phrased like the apiserver: one cause inline, several in brackets.

    Like field.ErrorList.ToAggregate, the message lists each distinct error once; the causes
    keep them all.
    """
    parts = list(dict.fromkeys(
        f"{c['field']}: {c['message']}" if c.get("field") else c["message"] for c in causes))
    joined = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    title = f"{kind}.{group}" if group else kind
    return ApiError(
        422,
        "Invalid",
        f'{title} "{name}" is invalid: {joined}',
        {"name": name, "group": group, "kind": kind, "causes": causes},
    )


def field_invalid(
    kind: str, group: str, name: str, field: str, value: Any, detail: str
) -> ApiError:
    return invalid(
        kind,
        group,
        name,
        [
            {
                "reason": "FieldValueInvalid",
                "field": field,
                "message": f"Invalid value: {_render(value)}: {detail}",
            }
        ],
    )


def _render(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return "null" if value is None else str(value)
