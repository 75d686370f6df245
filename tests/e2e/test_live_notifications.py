"""Notifications over HTTP and WebSocket: live delivery, unread counts, undo, bad tokens,
and delivery to a socket held by another API process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import dramatiq
import httpx
import pytest
from strawberry import relay
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from devstack import free_port
from schema.relay import parse_global_id
from services import tokens
from services.stores import Stores
from settings import Settings
from tests.e2e.client import PASSWORD, Account, Api
from tests.e2e.posting import like, unlike
from tests.e2e.test_websocket import LEGACY_WS, TRANSPORT_WS, close_code, init, receive, send
from tests.integration.feedkit import post

LIVE = "subscription { notifications { id kind actorCount actors { username } post { id } } }"
UNREAD = "{ unreadNotificationCount }"
LIST = "{ notifications(first: 10) { edges { node { kind actorCount read } } pageInfo { hasNextPage } } }"


async def _post_of(stores: Stores, account: Account) -> str:
    """A post by ``account`` (its media made ready directly), as a global id."""
    author_id = parse_global_id(account.id, "User", "id")
    return str(relay.to_base64("Post", await post(stores, author_id)))


@contextlib.asynccontextmanager
async def subscribed(ws_url: str, token: str, protocol: str = TRANSPORT_WS) -> AsyncIterator[ClientConnection]:
    async with connect(ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        ack = await init(ws, {"Authorization": f"Bearer {token}"})
        assert ack["type"] == "connection_ack", ack
        start = "subscribe" if protocol == TRANSPORT_WS else "start"
        await send(ws, {"id": "live", "type": start, "payload": {"query": LIVE}})
        await asyncio.sleep(0.3)  # let the server subscribe before anything happens
        yield ws


async def test_a_like_arrives_live_and_counts_until_unliked(api: Api, stores: Stores, worker: dramatiq.Worker) -> None:
    ann, ben = await api.sign_up("ann"), await api.sign_up("ben")
    post_id = await _post_of(stores, ann)
    async with subscribed(api.ws_url, ann.token) as ws:
        started = time.monotonic()
        assert (await like(api, ben, post_id))["errors"] == []
        message = await receive(ws)
        elapsed = time.monotonic() - started
    assert message["type"] == "next", message
    notification = message["payload"]["data"]["notifications"]
    assert (notification["kind"], notification["actorCount"], notification["actors"]) == (
        "LIKE",
        1,
        [{"username": "ben"}],
    )
    assert notification["post"] == {"id": post_id}
    assert elapsed < 1.0, f"delivered after {elapsed:.2f}s"
    assert (await api.data(UNREAD, token=ann.token))["unreadNotificationCount"] == 1
    await unlike(api, ben, post_id)
    deadline = time.monotonic() + 5
    while (await api.data(UNREAD, token=ann.token))["unreadNotificationCount"] != 0:
        assert time.monotonic() < deadline, "the unlike never withdrew the notification"
        await asyncio.sleep(0.05)
    assert (await api.data(LIST, token=ann.token))["notifications"]["edges"] == []


async def test_the_legacy_protocol_delivers_too(api: Api, stores: Stores, worker: dramatiq.Worker) -> None:
    ann, ben = await api.sign_up("ann"), await api.sign_up("ben")
    post_id = await _post_of(stores, ann)
    async with subscribed(api.ws_url, ann.token, LEGACY_WS) as ws:
        await like(api, ben, post_id)
        message = await receive(ws)
    assert message["type"] == "data", message
    assert message["payload"]["data"]["notifications"]["kind"] == "LIKE"


async def test_marking_read(api: Api, stores: Stores, worker: dramatiq.Worker) -> None:
    ann, ben = await api.sign_up("ann"), await api.sign_up("ben")
    post_id = await _post_of(stores, ann)
    async with subscribed(api.ws_url, ann.token) as ws:
        await like(api, ben, post_id)
        await receive(ws)
    marked = await api.data("mutation { markNotificationsRead(all: true) { marked unreadCount } }", token=ann.token)
    assert marked["markNotificationsRead"] == {"marked": 1, "unreadCount": 0}
    [edge] = (await api.data(LIST, token=ann.token))["notifications"]["edges"]
    assert edge["node"] == {"kind": "LIKE", "actorCount": 1, "read": True}
    neither = await api.post("mutation { markNotificationsRead { marked } }", token=ann.token)
    assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in neither["errors"]] == [
        ("BAD_USER_INPUT", "INVALID_INPUT")
    ]


@pytest.mark.parametrize("kind", ["garbage", "expired"])
async def test_a_bad_or_expired_token_closes_the_socket(api: Api, settings: Settings, kind: str) -> None:
    token = "not-a-token"
    if kind == "expired":
        expired = settings.model_copy(update={"access_token_ttl_seconds": -60})
        token, _ = tokens.issue_access_token(expired, 1, tokens.new_family_id())
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await send(ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert await close_code(ws) == 4403


async def test_subscribing_anonymously_is_an_error(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        assert (await init(ws, None))["type"] == "connection_ack"
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": LIVE}})
        message = await receive(ws)
    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"


LOG_OUT = "mutation { logOut { ok errors { code } } }"
LOG_IN = "mutation($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }"
ENDED_WITHIN = 2.0


async def _closed_within(ws: ClientConnection, seconds: float) -> int | None:
    """The close code, which must come within ``seconds``; nothing else may arrive first."""
    with contextlib.suppress(ConnectionClosed):
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), seconds))
            assert message.get("type") in ("ka", "complete", "connection_error"), message  # no event
    await asyncio.wait_for(ws.wait_closed(), seconds)
    return ws.close_code


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_logging_out_closes_the_sign_ins_sockets_at_once(api: Api, protocol: str) -> None:
    ann = await api.sign_up("ann")
    other = (await api.data(LOG_IN, {"input": {"usernameOrEmail": "ann", "password": PASSWORD}}))["logIn"]
    async with (
        subscribed(api.ws_url, ann.token, protocol) as ending,
        subscribed(api.ws_url, other["accessToken"], protocol) as staying,
    ):
        started = time.monotonic()
        assert (await api.data(LOG_OUT, token=ann.token))["logOut"] == {"ok": True, "errors": []}
        assert await _closed_within(ending, ENDED_WITHIN) == 4403
        assert time.monotonic() - started < ENDED_WITHIN
        # Another sign-in of the same account is not ended with it.
        await send(
            staying,
            {"type": "ping"}
            if protocol == TRANSPORT_WS
            else {"type": "start", "id": "q", "payload": {"query": UNREAD}},
        )
        answer = await receive(staying)
        assert answer["type"] == ("pong" if protocol == TRANSPORT_WS else "data"), answer


async def test_a_sign_in_ended_elsewhere_closes_its_socket_here(api: Api, second_process: str) -> None:
    ann = await api.sign_up("ann")
    async with subscribed(second_process, ann.token) as ws:
        await api.data(LOG_OUT, token=ann.token)  # served by the first process
        assert await _closed_within(ws, ENDED_WITHIN) == 4403


@pytest.fixture
def second_process() -> Iterator[str]:
    """Another API process on its own port, sharing the same stores (the session's env)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        env={**os.environ, "SHUTTER_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the second API process exited"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "the second API process never became ready"
            time.sleep(0.1)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        process.terminate()
        process.wait(timeout=15)


async def test_a_like_sent_to_one_process_reaches_a_socket_on_another(
    api: Api, stores: Stores, worker: dramatiq.Worker, second_process: str
) -> None:
    ann, ben = await api.sign_up("ann"), await api.sign_up("ben")
    post_id = await _post_of(stores, ann)
    async with subscribed(second_process, ann.token) as ws:
        await like(api, ben, post_id)  # served by the first process
        message: dict[str, Any] = await receive(ws)
    assert message["type"] == "next", message
    assert message["payload"]["data"]["notifications"]["actors"] == [{"username": "ben"}]
