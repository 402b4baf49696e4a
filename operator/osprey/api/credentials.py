"""spec.credentials: asking Osprey to rotate the generated passwords of a service.

A rotation is asked for in the spec, not by an annotation: under Argo CD or Flux the spec is
what Git holds, so a rotation is a reviewed commit that survives every sync, while an
annotation the tool does not know is stripped (or restored) on the next sync and would rotate
again. Changing a service's token asks for one more rotation; the token of the last rotation
done is kept in status.credentials.<service>.token.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from osprey.api.base import Model
from osprey.api.formats import RotationToken
from osprey.api.rules import KeysIn
from osprey.api.services import Services

SERVICE_NAMES = tuple(Services.model_fields)


class Credentials(Model):
    """The generated credentials of the control plane."""

    rotate: Annotated[
        dict[str, RotationToken],
        KeysIn(SERVICE_NAMES, "keys must be service names: " + ", ".join(SERVICE_NAMES)),
    ] = Field(
        default_factory=dict,
        description=(
            "A token per service (e.g. {keystone: \"2026-12\"}): a new token rotates that "
            "service's own passwords (its database user, RabbitMQ user and Keystone service "
            "users), one service at a time, the database user first. Shared credentials (the "
            "MariaDB root, RabbitMQ admin, Keystone admin) are not rotated with a service. A "
            "service's first token, set before it is installed, rotates nothing."
        ),
    )
