"""A real uvicorn server per test session, and clients that talk to it over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn

from app import create_app
from devstack import free_port
from services.stores import Stores
from settings import Settings
from tests.e2e.client import Api


class LiveServer:
    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        # Local media URLs are signed for this server's own address.
        settings = settings.model_copy(update={"public_base_url": f"http://127.0.0.1:{self.port}"})
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            lifespan="on",
            log_level="warning",
            ws="websockets-sansio",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def api(live_server: LiveServer, stores: Stores) -> AsyncIterator[Api]:
    """A client of the live server; depends on `stores` so every test starts empty."""
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        yield Api(http, live_server.ws_url)
