"""GraphQL over WebSocket: graphql-transport-ws and the legacy graphql-ws protocol."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.e2e.client import Api

TRANSPORT_WS = Subprotocol("graphql-transport-ws")
LEGACY_WS = Subprotocol("graphql-ws")
TIMEOUT = 5.0
VIEWER = "{ viewer { username } }"


async def receive(ws: ClientConnection, *, skip: tuple[str, ...] = ("ka",)) -> dict[str, Any]:
    """The next protocol message, past keep-alives; fails instead of hanging."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if message.get("type") not in skip:
            return message


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def close_code(ws: ClientConnection) -> int | None:
    """The code the server closed with, after reading whatever it sent first."""
    with contextlib.suppress(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    return ws.close_code


async def init(ws: ClientConnection, payload: dict[str, Any] | None) -> dict[str, Any]:
    await send(ws, {"type": "connection_init"} if payload is None else {"type": "connection_init", "payload": payload})
    return await receive(ws)


# --- graphql-transport-ws ----------------------------------------------------------------------


async def test_transport_ws_negotiates_its_subprotocol(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        assert ws.subprotocol == TRANSPORT_WS


async def test_transport_ws_runs_a_query_as_the_signed_in_user(api: Api) -> None:
    alice = await api.sign_up("alice")
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        ack = await init(ws, {"Authorization": f"Bearer {alice.token}"})
        assert ack["type"] == "connection_ack"

        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": VIEWER}})
        result = await receive(ws)
        assert result == {"id": "1", "type": "next", "payload": {"data": {"viewer": {"username": "alice"}}}}
        assert await receive(ws) == {"id": "1", "type": "complete"}


async def test_transport_ws_runs_several_operations_on_one_connection(api: Api) -> None:
    alice = await api.sign_up("alice")
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await init(ws, {"Authorization": f"Bearer {alice.token}"})
        for operation_id in ("a", "b"):
            payload = {"query": "query($u: String!) { user(username: $u) { username } }", "variables": {"u": "alice"}}
            await send(ws, {"id": operation_id, "type": "subscribe", "payload": payload})
            result = await receive(ws)
            assert result["id"] == operation_id
            assert result["payload"] == {"data": {"user": {"username": "alice"}}}
            assert await receive(ws) == {"id": operation_id, "type": "complete"}


async def test_transport_ws_answers_ping_with_pong(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        assert (await init(ws, None))["type"] == "connection_ack"
        await send(ws, {"type": "ping"})
        assert (await receive(ws))["type"] == "pong"


async def test_transport_ws_without_a_token_is_anonymous(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        assert (await init(ws, None))["type"] == "connection_ack"
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": VIEWER}})
        assert await receive(ws) == {"id": "1", "type": "next", "payload": {"data": {"viewer": None}}}
        assert await receive(ws) == {"id": "1", "type": "complete"}


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer "], ids=["garbage", "basic", "empty"]
)
async def test_transport_ws_bad_token_closes_with_4403(api: Api, authorization: str) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await send(ws, {"type": "connection_init", "payload": {"Authorization": authorization}})
        assert await close_code(ws) == 4403


async def test_transport_ws_subscribe_before_init_closes_with_4401(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": VIEWER}})
        assert await close_code(ws) == 4401


async def test_transport_ws_field_errors_carry_codes(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await init(ws, None)
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": '{ node(id: "%%%") { id } }'}})
        result = await receive(ws)
        assert result["type"] == "next"
        assert result["payload"]["data"] == {"node": None}
        assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in result["payload"]["errors"]] == [
            ("BAD_USER_INPUT", "INVALID_ID")
        ]
        assert await receive(ws) == {"id": "1", "type": "complete"}


async def test_transport_ws_invalid_document_is_an_error_message(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await init(ws, None)
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": "{ nope }"}})
        result = await receive(ws)
        assert result["type"] == "error"
        assert result["id"] == "1"
        assert [error["extensions"]["code"] for error in result["payload"]] == ["GRAPHQL_VALIDATION_FAILED"]


# --- legacy graphql-ws -------------------------------------------------------------------------


async def test_legacy_ws_runs_a_query(api: Api) -> None:
    alice = await api.sign_up("alice")
    async with connect(api.ws_url, subprotocols=[LEGACY_WS]) as ws:
        assert ws.subprotocol == LEGACY_WS
        ack = await init(ws, {"Authorization": f"Bearer {alice.token}"})
        assert ack["type"] == "connection_ack"

        await send(ws, {"type": "start", "id": "1", "payload": {"query": VIEWER}})
        result = await receive(ws)
        assert result == {"type": "data", "id": "1", "payload": {"data": {"viewer": {"username": "alice"}}}}
        assert await receive(ws) == {"type": "complete", "id": "1"}


async def test_legacy_ws_without_a_token_is_anonymous(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[LEGACY_WS]) as ws:
        assert (await init(ws, None))["type"] == "connection_ack"
        await send(ws, {"type": "start", "id": "1", "payload": {"query": VIEWER}})
        assert await receive(ws) == {"type": "data", "id": "1", "payload": {"data": {"viewer": None}}}
        assert await receive(ws) == {"type": "complete", "id": "1"}


async def test_legacy_ws_bad_token_is_a_connection_error(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[LEGACY_WS]) as ws:
        assert (await init(ws, {"Authorization": "Bearer not-a-token"}))["type"] == "connection_error"
        # The protocol names no code; 1011 is what its reference server (subscriptions-transport-ws) sends.
        assert await close_code(ws) == 1011
