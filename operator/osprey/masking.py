"""Keeping secrets out of what people read: `osprey render`, status, Events.

Two rules: a value Osprey knows to be secret (a generated password, anything taken from a
Secret through valuesFrom) is masked wherever it appears, and so is everything under a values
key whose name says it is secret (password, secret, token, key...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "********"

# Words that mark a key as holding a secret. `key` counts only as a whole word: keystone,
# keys of a map and monkey are no secret, but auth_key, memcache_secret_key and apiKey are.
_SECRET_WORDS = frozenset({"password", "passwd", "secret", "token", "key", "keyring",
                           "credential", "credentials", "passphrase", "privatekey"})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# Strings shorter than this are not searched for in free text: masking "true" or "1" there
# would garble every message while protecting nothing.
MIN_REDACTED_LENGTH = 6


def looks_secret(key: str) -> bool:
    """Whether a values key's name says it holds a secret (split on case, '_', '-', '.')."""
    words = [w.lower() for w in _WORD.findall(key)]
    return any(w in _SECRET_WORDS for w in words) or key.lower() in _SECRET_WORDS


def mask_values(values: Any, *, secrets: Iterable[str] = (),
                paths: Iterable[tuple[str, ...]] = ()) -> Any:
    """A copy of chart values with secrets masked: every scalar under a secret-looking key,
    every string containing a known secret, and whatever sits at one of `paths`."""
    known = [s for s in secrets if s]
    masked = _mask(values, known, under_secret=False)
    for path in paths:
        _mask_path(masked, path)
    return masked


def _mask(value: Any, secrets: list[str], under_secret: bool) -> Any:
    if isinstance(value, Mapping):
        return {k: _mask(v, secrets, under_secret or looks_secret(str(k)))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, secrets, under_secret) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if under_secret or (isinstance(value, str) and any(s in value for s in secrets)):
        return MASK
    return value


def _mask_path(values: Any, path: tuple[str, ...]) -> None:
    *parents, last = path
    for key in parents:
        if not isinstance(values, dict) or not isinstance(values.get(key), dict):
            return
        values = values[key]
    if isinstance(values, dict) and last in values:
        values[last] = MASK


def redact(text: str, secrets: Iterable[str]) -> str:
    """Free text (a message, a log line) with every known secret replaced by the mask."""
    return _replace_all(text, _longest_first(secrets))


def _longest_first(secrets: Iterable[str]) -> tuple[str, ...]:
    """The secrets worth masking, longest first (a secret containing another is masked
    whole)."""
    return tuple(sorted((s for s in secrets if len(s) >= MIN_REDACTED_LENGTH),
                        key=len, reverse=True))


def _replace_all(text: str, ordered: tuple[str, ...]) -> str:
    for secret in ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_strings(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of JSON data with `redact` applied to every string in it."""
    ordered = _longest_first(secrets)
    return _redacted(value, ordered) if ordered else value


def _redacted(value: Any, ordered: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return _replace_all(value, ordered)
    if isinstance(value, Mapping):
        return {k: _redacted(v, ordered) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, ordered) for v in value]
    return value
