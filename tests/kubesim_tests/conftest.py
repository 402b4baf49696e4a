"""Fixtures of kubesim's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kubesim.simulator import Simulator

from .support import WIDGET_CRD, Http, wait_for


@pytest.fixture
def http(sim: Simulator) -> Http:
    return Http(sim.url)


@pytest.fixture
def widgets(http: Http) -> Iterator[str]:
    """The Widget CRD, registered (Established) for the test and removed after it."""
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    created = http.post(path, WIDGET_CRD)
    assert created.status_code == 201, created.text
    wait_for(lambda: http.get("/apis/kubesim.test/v1").status_code == 200)
    yield "/apis/kubesim.test/v1"
    http.delete(f"{path}/widgets.kubesim.test")
    wait_for(lambda: http.get(f"{path}/widgets.kubesim.test").status_code == 404)
