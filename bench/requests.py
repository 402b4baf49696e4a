"""Counting API requests, and the bytes of their answers, where the simulator receives them,
by client.

The count is taken server-side, in an aiohttp middleware put in front of the simulator's own,
so it sees every client alike: the operator's Kubernetes client, Kopf's watches, helm. Clients
are told apart by their User-Agent; the benchmark's own client announces itself as
`osprey-bench` so that its polling is left out of the operator's figures. The counts are read
with a GET of `COUNTS_PATH` on the simulator's port (not counted itself), the bytes of the
answers (bodies as sent, watch streams included once they end) with a GET of `BYTES_PATH`.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from typing import Any

from aiohttp import web

BENCH_AGENT = "osprey-bench"
COUNTS_PATH = "/osprey-bench/requests"
BYTES_PATH = "/osprey-bench/bytes"


def agent_family(user_agent: str) -> str:
    """A short name for the client behind a User-Agent header."""
    lowered = user_agent.lower()
    if lowered.startswith(BENCH_AGENT):
        return "bench"
    if lowered.startswith("helm"):
        return "helm"
    if lowered.startswith("kopf"):
        return "kopf"
    if lowered.startswith("openapi-generator"):
        return "osprey"  # the official client, which osprey.kube drives
    return lowered.split("/")[0] or "unknown"


class RequestCounter:
    """Requests seen by the simulator, per client family."""

    def __init__(self) -> None:
        self.by_client: Counter[str] = Counter()
        self.bytes_by_client: Counter[str] = Counter()

    def install(self, server: Any) -> None:
        """Wrap `tests.kubesim.http.Server.app` before the simulator starts."""
        build = server.app

        def app() -> web.Application:
            application = build()
            application.middlewares.insert(0, self._middleware)
            return application

        server.app = app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == COUNTS_PATH:
            return web.json_response(dict(self.by_client))
        if request.path == BYTES_PATH:
            return web.json_response(dict(self.bytes_by_client))
        family = agent_family(request.headers.get("User-Agent", ""))
        self.by_client[family] += 1
        response = await handler(request)
        if isinstance(response, web.Response):
            self.bytes_by_client[family] += len(response.body or b"")
        else:  # a stream (a watch): what it sent, once it has ended
            self.bytes_by_client[family] += response.body_length
        return response


def read_counts(server_url: str, path: str = COUNTS_PATH) -> Counter[str]:
    """The simulator's request counts so far (or bytes answered, `BYTES_PATH`), by client
    family."""
    with urllib.request.urlopen(server_url + path, timeout=10) as response:
        return Counter(json.load(response))
