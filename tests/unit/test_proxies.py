"""`shutter serve` believes X-Forwarded-For only from the proxies it is told to trust."""

from __future__ import annotations

import argparse
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

import cli
from settings import Settings
from web.proxies import proxy_options

CLIENT = "198.51.100.9"  # what a caller claims in X-Forwarded-For


async def echo_client(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the client address the app sees, the one the log-in limit keys on."""
    host = scope["client"][0] if scope.get("client") else ""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": host.encode()})


def _serve_options(monkeypatch: pytest.MonkeyPatch, trusted_proxies: str) -> dict[str, Any]:
    """The keyword arguments `shutter serve` hands to uvicorn.run."""
    captured: dict[str, Any] = {}
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(trusted_proxies=trusted_proxies))
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: captured.update(options))
    cli._serve(argparse.Namespace(host=None, port=None, processes=None))
    return captured


async def _seen_client(options: dict[str, Any], peer: str) -> str:
    """The client address behind uvicorn's own middleware stack, built as the server builds it."""
    config = uvicorn.Config(
        echo_client,
        proxy_headers=options["proxy_headers"],
        forwarded_allow_ips=options.get("forwarded_allow_ips"),  # absent: uvicorn's default
        log_config=None,
    )
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://shutter.test") as client:
        response = await client.get("/", headers={"x-forwarded-for": CLIENT})
    return response.text


async def test_loopback_peer_cannot_claim_an_address_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own fallback must not matter
    options = _serve_options(monkeypatch, trusted_proxies="")
    assert await _seen_client(options, "127.0.0.1") == "127.0.0.1"
    assert await _seen_client(options, "::1") == "::1"


async def test_configured_proxy_is_believed(monkeypatch: pytest.MonkeyPatch) -> None:
    options = _serve_options(monkeypatch, trusted_proxies="127.0.0.1")
    assert await _seen_client(options, "127.0.0.1") == CLIENT
    assert await _seen_client(options, "203.0.113.7") == "203.0.113.7"


async def test_proxy_networks_are_believed_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    options = _serve_options(monkeypatch, trusted_proxies="10.0.0.0/8, 192.0.2.1")
    assert await _seen_client(options, "10.1.2.3") == CLIENT
    assert await _seen_client(options, "192.0.2.1") == CLIENT
    assert await _seen_client(options, "127.0.0.1") == "127.0.0.1"


def test_blank_setting_trusts_no_one() -> None:
    assert proxy_options(Settings(trusted_proxies="  ")) == {"proxy_headers": False, "forwarded_allow_ips": ""}
    assert proxy_options(Settings(trusted_proxies="*")) == {"proxy_headers": True, "forwarded_allow_ips": "*"}
