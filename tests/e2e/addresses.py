"""Clients from other client addresses.

Linux routes all of 127.0.0.0/8 to loopback, so a client bound to 127.0.0.N is, to the API,
a different client address: limits per address are tested as they work in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.e2e.client import Api
from tests.e2e.conftest import LiveServer


@asynccontextmanager
async def api_from(server: LiveServer, address: str) -> AsyncIterator[Api]:
    """A client of ``server`` whose connections come from ``address`` (127.0.0.2 and up)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=30) as http:
        yield Api(http, server.ws_url)
