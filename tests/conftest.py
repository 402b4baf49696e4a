"""Shared fixtures: `kube` (the session's cluster), `namespace` (a fresh one per test) and
`sim` (the simulator's control surface; skips on a real cluster). Logic: tests/kubesim/harness.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kubesim.harness import Kube, namespace_prefix, session
from tests.kubesim.simulator import Simulator


@pytest.fixture(scope="session")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kube]:
    with session(tmp_path_factory.mktemp("kube")) as cluster:
        yield cluster


@pytest.fixture
def namespace(kube: Kube, request: pytest.FixtureRequest) -> Iterator[str]:
    name = kube.new_namespace(namespace_prefix(request.node.name))
    yield name
    kube.delete_namespace(name)


@pytest.fixture
def sim(kube: Kube) -> Iterator[Simulator]:
    """The simulator, reset after the test (faults cleared, delays and controllers restored)."""
    if kube.sim is None:
        pytest.skip("needs the kubesim simulator; TEST_KUBECONFIG points at a real cluster")
    yield kube.sim
    kube.reset_simulator()
