"""Several operators, each with a share of the namespaces: `--shard N/M`.

A namespace belongs to shard `hash(namespace) mod M`, with a hash that is the same in every
process and every release (SHA-256, not Python's salted `hash`), so replicas agree on who owns
what without talking to each other. Control planes live one per namespace, so a shard owns
whole control planes. Each shard elects its own leader (a Lease named after the shard).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_SHARD = re.compile(r"^(\d+)/(\d+)$")


class ShardError(ValueError):
    pass


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ShardError(f"shard must be N/M with 0 <= N < M, got {self}")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SHARD.match(text.strip())
        if not match or not 0 <= int(match[1]) < int(match[2]):
            raise ShardError(f"shard must be N/M with 0 <= N < M (e.g. 0/2), got {text!r}")
        return cls(int(match[1]), int(match[2]))

    def owns(self, namespace: str) -> bool:
        return shard_of(namespace, self.count) == self.index

    @property
    def lease_suffix(self) -> str:
        """Part of the shard's Lease name: shards of a different count never share a Lease."""
        return f"shard-{self.index}-of-{self.count}"


def shard_of(namespace: str, count: int) -> int:
    digest = hashlib.sha256(namespace.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count
