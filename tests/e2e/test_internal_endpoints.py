"""/metrics and the detail of /readyz are for internal callers; readiness itself is for anyone.

The live server listens on loopback, so remote peers are played by calling the app in
process with a crafted ASGI client address.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from app import create_app
from services.stores import Stores
from web import health

REMOTE = ("203.0.113.7", 40000)
LOOPBACK = ("127.0.0.1", 40000)
TOKEN = "scrape-me-7f3a"


@asynccontextmanager
async def _client(stores: Stores, peer: tuple[str, int], **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the whole app as `peer` sees it, with `settings` changed."""
    changed = stores.settings.model_copy(update=settings)
    app = create_app(changed)
    state = {"stores": dataclasses.replace(stores, settings=changed)}

    async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
        scope["state"] = dict(state)  # what uvicorn hands each request from the lifespan
        await app(scope, receive, send)

    transport = httpx.ASGITransport(app=with_state, client=peer)
    async with httpx.AsyncClient(transport=transport, base_url="http://shutter.test") as client:
        yield client


async def test_metrics_are_refused_to_remote_peers(stores: Stores) -> None:
    async with _client(stores, REMOTE) as client:
        response = await client.get("/metrics")
    assert response.status_code == 403
    assert "shutter_" not in response.text


async def test_metrics_are_refused_to_forwarded_loopback_requests(stores: Stores) -> None:
    # A reverse proxy on the same host reaches us from loopback on behalf of anyone.
    async with _client(stores, LOOPBACK) as client:
        response = await client.get("/metrics", headers={"x-forwarded-for": "203.0.113.7"})
    assert response.status_code == 403


async def test_metrics_are_served_to_loopback_peers(stores: Stores) -> None:
    async with _client(stores, LOOPBACK) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert "shutter_http_request_duration_seconds" in response.text


async def test_metrics_token_is_required_once_set(stores: Stores) -> None:
    async with _client(stores, LOOPBACK, metrics_token=TOKEN) as client:
        bare = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"authorization": "Bearer not-the-token"})
    for response in (bare, wrong):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "shutter_" not in response.text
    async with _client(stores, REMOTE, metrics_token=TOKEN) as client:
        response = await client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "shutter_http_request_duration_seconds" in response.text


async def test_readyz_tells_remote_peers_only_the_status(stores: Stores) -> None:
    async with _client(stores, REMOTE) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def _refused(stores: Stores) -> None:
    raise ConnectionRefusedError("connect to /srv/secret/redis.sock refused")


async def test_readyz_detail_of_a_failing_store_is_internal(stores: Stores, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(health.CHECKS, "redis", _refused)
    async with _client(stores, REMOTE) as client:
        outside = await client.get("/readyz")
    assert outside.status_code == 503
    assert outside.json() == {"status": "unavailable"}
    async with _client(stores, REMOTE, metrics_token=TOKEN) as client:
        inside = await client.get("/readyz", headers={"authorization": f"Bearer {TOKEN}"})
    assert inside.status_code == 503
    body = inside.json()
    assert body["failing"] == ["redis"]
    assert body["checks"] == {"postgres": "ok", "redis": "unavailable", "graph": "ok"}
    assert "/srv/secret/redis.sock" in body["errors"]["redis"]
