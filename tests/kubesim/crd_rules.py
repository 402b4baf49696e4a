"""A CRD schema's x-kubernetes-validations, as kube-apiserver checks them when the CRD is written.

The fields of each rule (rule, message, messageExpression, reason, fieldPath, which must name a
field of the node's schema: cel.ValidFieldPath), then, once the schema holds, each expression
compiled against its node's declared type and its estimated cost limited: per expression
(10,000,000, times the cardinality of the lists and maps above the node) and for the whole
schema (100,000,000), as validation.go words those refusals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cel_rules import compile_for_crd
from .cel_types import decl_type, max_cardinality
from .field_errors import (
    forbidden,
    go_quote,
    go_value,
    internal,
    invalid,
    not_supported,
    required,
    validation_rule,
)
from .schema_values import Cause

STATIC_ESTIMATED_COST_LIMIT = 10_000_000
STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000
RULE_REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid",
                "FieldValueRequired"]


def cost_message(name: str, cost: int, limit: int) -> str:
    """getCostErrorMessage."""
    factor = cost / limit
    if factor > 100.0:
        shown = "more than 100x"
    elif factor < 1.5:
        shown = f"{factor:f}x"
    else:
        shown = f"{factor:.1f}x"
    return (f"{name} exceeds budget by factor of {shown} (try simplifying the rule, or adding "
            "maxItems, maxProperties, and maxLength where arrays, maps, and strings are "
            "declared)")


@dataclass
class TotalCost:
    total: int = 0
    most_expensive: list[tuple[str, int]] = field(default_factory=list)

    def observe(self, path: str, cost: int) -> None:
        self.total = min(self.total + cost, 2**64 - 1)
        if cost < STATIC_ESTIMATED_CRD_COST_LIMIT // 100:
            return
        self.most_expensive.append((path, cost))
        self.most_expensive.sort(key=lambda pc: -pc[1])
        del self.most_expensive[4:]


@dataclass
class CelBudget:
    total: TotalCost
    suppress: bool


def rule_field_errors(s: dict[str, Any], rules: list[dict[str, Any]], path: str) -> list[Cause]:
    """The fields of each x-kubernetes-validations entry: rule, message, reason, fieldPath."""
    errors = []
    for i, rule in enumerate(rules):
        at = f"{path}.x-kubernetes-validations[{i}]"
        text = (rule.get("rule") or "").strip()
        message = rule.get("message") or ""
        if not text:
            errors.append(required(f"{at}.rule", "rule is not specified"))
        elif message and not message.strip():
            errors.append(invalid(f"{at}.message", go_quote(message),
                                  "message must be non-empty if specified"))
        elif _has_newlines(message.strip()):
            errors.append(invalid(f"{at}.message", go_quote(message),
                                  "message must not contain line breaks"))
        elif _has_newlines(text) and not message.strip():
            errors.append(required(f"{at}.message",
                                   "message must be specified if rule contains line breaks"))
        expression = rule.get("messageExpression") or ""
        if expression and not expression.strip():
            errors.append(required(f"{at}.messageExpression",
                                   "messageExpression must be non-empty if specified"))
        reason = rule.get("reason")
        if reason is not None and reason not in RULE_REASONS:
            errors.append(not_supported(f"{at}.reason", reason, RULE_REASONS))
        field_path = rule.get("fieldPath") or ""
        if field_path and not field_path.strip():
            errors.append(invalid(f"{at}.fieldPath", go_quote(field_path),
                                  "fieldPath must be non-empty if specified"))
        if _has_newlines(field_path):
            errors.append(invalid(f"{at}.fieldPath", go_quote(field_path),
                                  "fieldPath must not contain line breaks"))
        if field_path and valid_field_path(field_path, s) is None:
            errors.append(invalid(f"{at}.fieldPath", go_quote(field_path),
                                  "fieldPath must be a valid path"))
    return errors


def _has_newlines(text: str) -> bool:
    return "\n" in text or "\r" in text


def valid_field_path(json_path: str, schema: dict[str, Any]) -> str | None:
    """cel.ValidFieldPath: the kube field path a rule's fieldPath names, or None if invalid."""
    out = ""
    node: Any = schema
    tokens = _path_tokens(json_path)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "[":
            if i + 2 >= len(tokens) or tokens[i + 2] != "]":
                return None
            quoted = tokens[i + 1]
            if len(quoted) < 2 or quoted[0] != "'" or quoted[-1] != "'":
                return None
            name = quoted[1:-1].replace("\\'", "'").replace("\\\\", "\\")
            i += 3
        elif tok == ".":
            if i + 1 >= len(tokens):
                return None
            name = tokens[i + 1]
            i += 2
        else:
            return None
        if not isinstance(node, dict):
            return None
        if node.get("properties") is not None:
            if name not in node["properties"]:
                return None
            node = node["properties"][name]
            out += f".{name}" if tok == "." else f"[{name}]"
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
            out += f"[{name}]"
        else:
            return None
    return out


def _path_tokens(path: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    while i < len(path):
        if path[i] == "'":
            end = i + 1
            while end < len(path) and not (path[end] == "'" and path[end - 1] != "\\"):
                end += 1
            tokens.append(path[i:end + 1])
            i = end + 1
        elif path[i] in ".[]":
            tokens.append(path[i])
            i += 1
        else:
            end = i
            while end < len(path) and path[end] not in ".[]":
                end += 1
            tokens.append(path[i:end])
            i = end
    return tokens


def compile_rules(s: dict[str, Any], rules: list[dict[str, Any]], path: str,
                  uncorrelatable: str | None, is_root: bool, cel: CelBudget,
                  cardinality: int | None) -> list[Cause]:
    """Compile each rule against its node's type; limit the estimated costs.

    `uncorrelatable` is the list above the node whose items cannot be matched to their old
    values (so `oldSelf` is meaningless there); `cardinality` how often the node can occur
    (None: under a list or map without maxItems/maxProperties).
    """
    at = f"{path}.x-kubernetes-validations"
    self_type = decl_type(s, is_root or bool(s.get("x-kubernetes-embedded-resource")))
    if self_type is None:
        return [internal(at, "internal error: failed to construct type information for "
                         "x-kubernetes-validations rules: unable to convert structural schema "
                         "to CEL declarations")]
    errors: list[Cause] = []
    fallback = max_cardinality(self_type.min_size)
    for i, rule in enumerate(rules):
        text = rule.get("rule") or ""
        if not text.strip():
            continue
        compiled = compile_for_crd(text, self_type)
        times = cardinality if cardinality is not None else fallback
        cost = min(compiled.max_cost * times, 2**64 - 1)
        if not cel.suppress and cost > STATIC_ESTIMATED_COST_LIMIT:
            errors.append(forbidden(f"{at}[{i}].rule", cost_message(
                "estimated rule cost", cost, STATIC_ESTIMATED_COST_LIMIT)))
        cel.total.observe(f"{at}[{i}].rule", cost)
        uses_old_self = compiled.uses_old_self and compiled.error is None
        if compiled.error is not None:
            errors.append(invalid(f"{at}[{i}].rule", validation_rule(rule), compiled.error))
        expression = rule.get("messageExpression") or ""
        if expression and compiled.error is None:
            message = compile_for_crd(expression, self_type, message_expression=True)
            if message.error is not None:
                errors.append(invalid(f"{at}[{i}].messageExpression", validation_rule(rule),
                                      message.error))
            else:
                if not cel.suppress and message.max_cost > STATIC_ESTIMATED_COST_LIMIT:
                    errors.append(forbidden(f"{at}[{i}].messageExpression", cost_message(
                        "estimated messageExpression cost", message.max_cost,
                        STATIC_ESTIMATED_COST_LIMIT)))
                cel.total.observe(f"{at}[{i}].messageExpression", message.max_cost)
        if uses_old_self:
            if uncorrelatable is not None:
                errors.append(invalid(f"{at}[{i}].rule", go_quote(text),
                                      "oldSelf cannot be used on the uncorrelatable portion of "
                                      f"the schema within {uncorrelatable}"))
        elif rule.get("optionalOldSelf") is not None:
            errors.append(invalid(f"{at}[{i}].optionalOldSelf",
                                  go_value(rule["optionalOldSelf"]),
                                  "may not be set if oldSelf is not used in rule"))
    return errors
