"""The base of the API models, and the parts several of them share.

Every field carries a description (it becomes `kubectl explain` text) and a default (it becomes
the CRD's schema default) or is optional; unknown fields are errors, never silently dropped.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from osprey.api.formats import Quantity, StorageClassName
from osprey.api.rules import Compare, Rule, cel_validations, check_rules


def _add_validations(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Put a model's cross-field and transition rules into its JSON schema as CEL."""
    validations = cel_validations(getattr(model, "cross_field_rules", ()))
    validations += list(getattr(model, "transition_rules", ()))
    if validations:
        schema["x-kubernetes-validations"] = validations


class Model(BaseModel):
    """Base of every API model: unknown fields are errors, names are the wire names.

    `cross_field_rules` are checked here and rendered as CEL in the CRD; `transition_rules`
    (CEL with oldSelf) exist only in the CRD, since the operator never sees the old spec.
    """

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, validate_default=True,
        json_schema_extra=_add_validations,
    )
    cross_field_rules: ClassVar[tuple[Rule, ...]] = ()
    transition_rules: ClassVar[tuple[dict[str, str], ...]] = ()

    @model_validator(mode="after")
    def _check_cross_field_rules(self) -> Self:
        check_rules(self, self.cross_field_rules)
        return self


Values = Annotated[
    dict[str, Any],
    Field(
        default_factory=dict,
        description=(
            "Raw chart values merged last, over everything Osprey renders (escape hatch). "
            "Keys are the OpenStack-Helm chart's own values keys."
        ),
        json_schema_extra={"x-kubernetes-preserve-unknown-fields": True},
    ),
]


class Storage(Model):
    """A persistent volume request."""

    size: Quantity = Field(description="Size of the persistent volume claim, e.g. 10Gi.")
    storageClass: StorageClassName | None = Field(
        default=None,
        description="Storage class of the claim (a DNS subdomain); defaults to spec.storageClass.",
    )


class Autoscaling(Model):
    """Horizontal pod autoscaling of a service's API pods.

    When set, Osprey creates a HorizontalPodAutoscaler and stops managing the API's replicas.
    """

    cross_field_rules = (
        Compare("minReplicas", "<=", "maxReplicas",
                "minReplicas must be less than or equal to maxReplicas"),
    )

    minReplicas: int = Field(default=1, ge=1, description="Lower bound of API replicas.")
    maxReplicas: int = Field(ge=1, le=100, description="Upper bound of API replicas.")
    targetCPUUtilizationPercentage: int = Field(
        default=80, ge=1, le=100, description="Average CPU utilisation the autoscaler aims at."
    )


class ChartPart(Model):
    """A supporting chart installed alongside a service (e.g. libvirt for nova)."""

    values: Values
