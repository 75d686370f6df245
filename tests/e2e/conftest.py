"""A real uvicorn server per test session, and clients that talk to it over HTTP."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from app import create_app
from devstack import free_port
from services.stores import Stores
from settings import Settings
from tests.e2e.client import Api
from web.proxies import proxy_options


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
            **proxy_options(settings),
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
    with live_server_with(settings) as server:
        yield server


@pytest.fixture
async def api(live_server: LiveServer, stores: Stores) -> AsyncIterator[Api]:
    """A client of the live server; depends on `stores` so every test starts empty."""
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        yield Api(http, live_server.ws_url)


ServerWith = Callable[..., LiveServer]


@contextlib.contextmanager
def live_server_with(settings: Settings, **overrides: Any) -> Iterator[LiveServer]:
    """A live server of its own whose settings differ from the session's by ``overrides``."""
    server = LiveServer(settings.model_copy(update=overrides))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_with(settings: Settings, stores: Stores) -> Iterator[ServerWith]:
    """Starts a server of its own with some settings changed (``server_with(max_query_cost=10)``);
    stopped when the test ends. Depends on `stores` so the test starts empty."""
    with contextlib.ExitStack() as servers:
        yield lambda **changes: servers.enter_context(live_server_with(settings, **changes))


def api_of(server: LiveServer, http: httpx.AsyncClient) -> Api:
    return Api(http, server.ws_url)
