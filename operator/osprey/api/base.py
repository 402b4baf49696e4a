"""The base of the API models, and the parts several of them share.

Every field carries a description (it becomes `kubectl explain` text) and a default (it becomes
the CRD's schema default) or is optional; unknown fields are errors, never silently dropped.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from osprey.api.formats import (
    DATA_KEY_PATTERN,
    DNS_SUBDOMAIN_PATTERN,
    VALUES_PATH_PATTERN,
    Quantity,
    StorageClassName,
)
from osprey.api.rules import Compare, OneOf, Rule, cel_validations, check_rules


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


# OpenStack-Helm's top-level values key whose content every chart renders as whole objects
# (templates/extra-manifests.yaml); refused at admission as well as by the operator's policy.
EXTRA_OBJECTS = "extraObjects"
EXTRA_OBJECTS_REFUSED = (
    "values key extraObjects is refused: the charts render its content as arbitrary "
    "Kubernetes objects with the operator's rights")

Values = Annotated[
    dict[str, Any],
    Field(
        default_factory=dict,
        description=(
            "Raw chart values merged last, over everything Osprey renders (escape hatch). "
            "Keys are the OpenStack-Helm chart's own values keys."
        ),
        json_schema_extra={
            "x-kubernetes-preserve-unknown-fields": True,
            # Declared so that CEL can see it (CEL sees no undeclared field of a values map);
            # an object because the charts' default is `{}` (a list is refused by its type).
            "properties": {EXTRA_OBJECTS: {
                "type": "object", "x-kubernetes-preserve-unknown-fields": True,
                "description": ("Refused: OpenStack-Helm renders its content as arbitrary "
                                "Kubernetes objects with the operator's rights."),
            }},
            "x-kubernetes-validations": [{
                "rule": f"!has(self.{EXTRA_OBJECTS})",
                "message": EXTRA_OBJECTS_REFUSED,
                "fieldPath": f".{EXTRA_OBJECTS}",
                "reason": "FieldValueForbidden",
            }],
        },
    ),
]


class KeyReference(Model):
    """One key of a Secret or ConfigMap in the control plane's namespace."""

    name: str = Field(max_length=253, pattern=DNS_SUBDOMAIN_PATTERN,
                      description="Name of the Secret or ConfigMap.")
    key: str = Field(max_length=253, pattern=DATA_KEY_PATTERN,
                     description="The key in its data.")


class ValuesReference(Model):
    """Chart values kept in a Secret or ConfigMap (Flux HelmRelease's valuesFrom).

    With `path`, the key's content is set as a string at that values path (a Ceph key, a
    password); without it, the content is YAML values merged at the root.
    """

    cross_field_rules = (
        OneOf("secretKeyRef", "configMapKeyRef",
              "exactly one of secretKeyRef and configMapKeyRef must be set"),
    )

    secretKeyRef: KeyReference | None = Field(
        default=None,
        description="A key of a Secret; every value taken from it is masked by `osprey render` "
                    "and kept out of status, Events and logs.",
    )
    configMapKeyRef: KeyReference | None = Field(
        default=None, description="A key of a ConfigMap."
    )
    path: str | None = Field(
        default=None, max_length=253, pattern=VALUES_PATH_PATTERN,
        description="Dotted values path the content is set at, as a string (e.g. "
                    "conf.ceph.admin_keyring); unset: the content is YAML values merged at "
                    "the root.",
        json_schema_extra={"x-kubernetes-validations": [{
            "rule": f"self != '{EXTRA_OBJECTS}' && !self.startsWith('{EXTRA_OBJECTS}.')",
            "message": EXTRA_OBJECTS_REFUSED,
            "reason": "FieldValueForbidden",
        }]},
    )
    optional: bool = Field(
        default=False,
        description="A missing Secret, ConfigMap or key is skipped instead of stopping the "
                    "control plane.",
    )


MAX_VALUES_FROM = 16

ValuesFrom = Annotated[
    list[ValuesReference],
    Field(
        default_factory=list,
        max_length=MAX_VALUES_FROM,
        description=(
            "Chart values from Secrets and ConfigMaps of the control plane's namespace, merged "
            "in order over what Osprey renders and under `values`. Label them "
            "`osprey.dev/watch: \"true\"` for changes to be applied at once rather than at the "
            "next resync."
        ),
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
    valuesFrom: ValuesFrom
