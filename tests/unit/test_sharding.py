"""Sharding: which operator reconciles which namespace."""

from __future__ import annotations

import pytest

from osprey.runtime import Settings
from osprey.sharding import Shard, ShardError, shard_of


def test_every_namespace_belongs_to_exactly_one_shard() -> None:
    shards = [Shard(i, 3) for i in range(3)]
    for n in range(200):
        assert sum(s.owns(f"cloud-{n}") for s in shards) == 1


def test_a_namespaces_shard_never_changes_between_processes_or_releases() -> None:
    # SHA-256 of the name, not Python's per-process salted hash(): replicas and upgrades agree.
    names = ["openstack", "cloud-0", "cloud-1", "cloud-2", "team-a"]
    assert [shard_of(n, 4) for n in names] == [0, 2, 3, 2, 0]


def test_namespaces_spread_over_the_shards() -> None:
    counts = [0, 0]
    for n in range(100):
        counts[shard_of(f"cloud-{n}", 2)] += 1
    assert min(counts) >= 35


def test_a_shard_is_parsed_from_n_slash_m() -> None:
    assert Shard.parse("1/4") == Shard(1, 4)
    assert Shard(1, 4).lease_suffix == "shard-1-of-4"


@pytest.mark.parametrize("text", ["4/4", "1", "a/b", "-1/2", "0/0"])
def test_a_shard_outside_its_count_is_refused(text: str) -> None:
    with pytest.raises(ShardError, match="0 <= N < M"):
        Shard.parse(text)


def test_without_shards_an_operator_serves_every_namespace() -> None:
    assert Settings().serves("anything")
    sharded = Settings(shard=Shard(0, 2))
    assert sharded.serves("cloud-0") == Shard(0, 2).owns("cloud-0")
    assert not sharded.serves(None)
