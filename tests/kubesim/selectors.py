"""Label and field selectors with the apiserver's syntax and its refusals."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import bad_request

Predicate = Callable[[dict[str, Any]], bool]

_SET = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|!=|=)\s*([A-Za-z0-9_.-]*)\s*$")


def _split_terms(selector: str) -> list[str]:
    """Split on commas that are not inside a parenthesised value set."""
    terms, depth, current = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        terms.append(current)
    return [t for t in terms if t.strip()]


def parse_label_selector(selector: str | None) -> Predicate:
    if not selector:
        return lambda labels: True
    checks: list[Predicate] = []
    for term in _split_terms(selector):
        eq = _EQ.match(term)
        if eq:
            key, op, value = eq.groups()
            if op == "!=":
                checks.append(lambda lb, k=key, v=value: lb.get(k) != v)
            else:
                checks.append(lambda lb, k=key, v=value: lb.get(k) == v)
            continue
        st = _SET.match(term)
        if not st:
            raise bad_request(
                f"unable to parse requirement: invalid label selector {term.strip()!r}"
            )
        neg, key, op, values = st.groups()
        if op:
            if neg:
                raise bad_request(f"unable to parse requirement: {term.strip()!r}")
            options = {v.strip() for v in values.split(",") if v.strip()}
            if op == "in":
                checks.append(lambda lb, k=key, o=options: lb.get(k) in o)
            else:
                checks.append(lambda lb, k=key, o=options: lb.get(k) not in o)
        elif neg:
            checks.append(lambda lb, k=key: k not in lb)
        else:
            checks.append(lambda lb, k=key: k in lb)
    return lambda labels: all(c(labels) for c in checks)


def labels_match(predicate: Predicate, obj: dict[str, Any]) -> bool:
    return predicate(obj.get("metadata", {}).get("labels") or {})


# Field labels each built-in kind supports besides metadata.name/metadata.namespace.
_FIELD_LABELS: dict[tuple[str, str], set[str]] = {
    ("", "pods"): {
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    },
    ("", "events"): {
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    },
    ("", "secrets"): {"type"},
    ("", "namespaces"): {"status.phase"},
    ("", "nodes"): {"spec.unschedulable"},
    ("", "persistentvolumeclaims"): set(),
    ("batch", "jobs"): {"status.successful"},
    ("apps", "replicasets"): {"status.replicas"},
}


def _lookup(obj: dict[str, Any], path: str) -> str:
    if path == "source":
        # kube-apiserver matches `source` on source.component, else reportingComponent.
        return _lookup(obj, "source.component") or _lookup(obj, "reportingComponent")
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _split_escaped(selector: str) -> list[str]:
    """Terms split on commas that no backslash escapes (fields.ParseSelector's splitTerms)."""
    terms, current, escaped = [], "", False
    for ch in selector:
        if escaped:
            current += "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(current)
            current = ""
        else:
            current += ch
    if escaped:
        current += "\\"
    terms.append(current)
    return [t for t in terms if t]


def _split_term(term: str) -> tuple[str, str, str] | None:
    """(field, operator, raw value) at the first unescaped `!=`, `==` or `=`."""
    i = 0
    while i < len(term):
        if term[i] == "\\":
            i += 2
            continue
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
        i += 1
    return None


def _unescape(value: str) -> str:
    """fields.UnescapeValue: `\\\\`, `\\,` and `\\=` are escapes; a bare `,` or `=` is an error."""
    out, i = "", 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            if i + 1 >= len(value) or value[i + 1] not in "\\,=":
                sequence = value[i : i + 2]
                raise bad_request(f"invalid field selector: invalid escape sequence: {sequence}")
            out += value[i + 1]
            i += 2
            continue
        if ch in ",=":
            raise bad_request(f"invalid field selector: unescaped character in value: {ch}")
        out += ch
        i += 1
    return out


def parse_field_selector(
    selector: str | None, group: str, plural: str, selectable: set[str] | None = None
) -> Predicate:
    """Parse `a=b,c!=d` as kube-apiserver does (values may hold anything but unescaped `,`
    and `=`); unsupported field labels are a 400 with the apiserver's wording."""
    if not selector:
        return lambda obj: True
    allowed = {"metadata.name", "metadata.namespace"}
    allowed |= _FIELD_LABELS.get((group, plural), set())
    allowed |= selectable or set()
    checks: list[Predicate] = []
    for term in _split_escaped(selector):
        parts = _split_term(term)
        if parts is None:
            raise bad_request(f"invalid selector: '{selector}'; can't understand '{term}'")
        key, op, raw = parts
        key, value = key.strip(), _unescape(raw)
        if key not in allowed:
            raise bad_request(f"field label not supported: {key}")
        if op == "!=":
            checks.append(lambda o, k=key, v=value: _lookup(o, k) != v)
        else:
            checks.append(lambda o, k=key, v=value: _lookup(o, k) == v)
    return lambda obj: all(c(obj) for c in checks)
