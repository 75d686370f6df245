"""Bounds on GraphQL over WebSocket: unreadable or malformed messages, the size of a message,
and the operations one socket may run at once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
from strawberry import relay
from websockets.asyncio.client import ClientConnection, connect

from schema.relay import parse_global_id
from services.stores import Stores
from settings import Settings
from tests.e2e.client import Api
from tests.e2e.posting import like
from tests.e2e.test_websocket import LEGACY_WS, TRANSPORT_WS, VIEWER, close_code, init, receive, send
from tests.integration.feedkit import post

LIVE = "subscription { notifications { kind actors { username } } }"
# Far deeper than Python's decoder can recurse.
DEEP = "[" * 5000 + "]" * 5000


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_server_errors() -> Iterator[None]:
    """The server shares this process: nothing it is sent here may log an unexpected error
    (uvicorn's "Exception in ASGI application" goes to its own logger, which does not propagate)."""
    recorder = _Recorder()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn.error")]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)
    assert [record.getMessage() for record in recorder.records] == []


async def closed_with(ws: ClientConnection) -> tuple[int | None, str | None]:
    code = await close_code(ws)
    return code, ws.close_reason


def subscribe_text(payload: str, operation_id: str = "1", kind: str = "subscribe") -> str:
    return f'{{"id": "{operation_id}", "type": "{kind}", "payload": {payload}}}'


# --- messages that are not readable, or not protocol messages --------------------------------------

UNREADABLE = [
    pytest.param("[]", id="array"),
    pytest.param('[{"type": "ping"}]', id="batch"),
    pytest.param('"ping"', id="string"),
    pytest.param("7", id="number"),
    pytest.param("null", id="null"),
    pytest.param("{", id="not-json"),
    pytest.param(DEEP, id="deep"),
]
MALFORMED = [
    pytest.param(subscribe_text('{"query": "{ __typename }", "variables": {"v": ' + DEEP + "}}"), id="deep-variables"),
    pytest.param('{"type": 7}', id="type-number"),
    pytest.param('{"type": "' + "x" * 500 + '"}', id="type-unknown-and-long"),  # named in the reason
    pytest.param('{"id": ["1"], "type": "subscribe", "payload": {"query": "{ __typename }"}}', id="id-list"),
    pytest.param('{"id": 1, "type": "subscribe", "payload": {"query": "{ __typename }"}}', id="id-number"),
    pytest.param('{"type": "subscribe", "payload": {"query": "{ __typename }"}}', id="id-missing"),
    pytest.param(subscribe_text("[]"), id="payload-list"),
    pytest.param('{"id": "1", "type": "subscribe"}', id="payload-missing"),
    pytest.param(subscribe_text('{"query": 7}'), id="query-number"),
    pytest.param(subscribe_text('{"query": "{ __typename }", "variables": []}'), id="variables-list"),
    pytest.param(subscribe_text('{"query": "{ __typename }", "operationName": 7}'), id="operation-name-number"),
    pytest.param(subscribe_text('{"query": "{ __typename }", "extensions": "x"}'), id="extensions-string"),
    pytest.param('{"id": {}, "type": "complete"}', id="complete-id-object"),
]


@pytest.mark.parametrize("text", [*UNREADABLE, *MALFORMED])
async def test_transport_ws_closes_with_4400_on_an_invalid_message(api: Api, text: str) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        assert (await init(ws, None))["type"] == "connection_ack"
        await ws.send(text)
        code, reason = await closed_with(ws)
    assert code == 4400
    assert reason


@pytest.mark.parametrize("text", UNREADABLE)
async def test_transport_ws_closes_with_4400_on_an_unreadable_first_message(api: Api, text: str) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(text)
        assert await close_code(ws) == 4400


async def test_transport_ws_names_what_was_wrong(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(DEEP)
        assert await close_code(ws) == 4400
        assert ws.close_reason is not None and "nested" in ws.close_reason


@pytest.mark.parametrize("text", UNREADABLE)
async def test_legacy_ws_answers_an_unreadable_message_with_a_connection_error(api: Api, text: str) -> None:
    async with connect(api.ws_url, subprotocols=[LEGACY_WS]) as ws:
        assert (await init(ws, None))["type"] == "connection_ack"
        await ws.send(text)
        message = await receive(ws)
        assert message["type"] == "connection_error", message
        assert message["payload"]["message"]
        # The socket stays usable, as subscriptions-transport-ws servers leave it.
        await send(ws, {"type": "start", "id": "q", "payload": {"query": VIEWER}})
        assert await receive(ws) == {"type": "data", "id": "q", "payload": {"data": {"viewer": None}}}


LEGACY_MALFORMED = [
    pytest.param(
        subscribe_text('{"query": "{ __typename }", "variables": {"v": ' + DEEP + "}}", kind="start"), id="deep"
    ),
    pytest.param(subscribe_text("[]", kind="start"), id="payload-list"),
    pytest.param('{"id": "1", "type": "start"}', id="payload-missing"),
    pytest.param(subscribe_text('{"query": 7}', kind="start"), id="query-number"),
    pytest.param(subscribe_text('{"query": "{ __typename }", "variables": 7}', kind="start"), id="variables-number"),
    pytest.param('{"type": "start", "payload": {"query": "{ __typename }"}}', id="id-missing"),
    pytest.param('{"type": "stop"}', id="stop-id-missing"),
]


@pytest.mark.parametrize("text", LEGACY_MALFORMED)
async def test_legacy_ws_answers_a_malformed_message_with_an_error(api: Api, text: str) -> None:
    async with connect(api.ws_url, subprotocols=[LEGACY_WS]) as ws:
        assert (await init(ws, None))["type"] == "connection_ack"
        await ws.send(text)
        message = await receive(ws)
        assert message["type"] in ("error", "connection_error"), message
        assert message["payload"]["message"]
        await send(ws, {"type": "start", "id": "q", "payload": {"query": VIEWER}})
        assert await receive(ws) == {"type": "data", "id": "q", "payload": {"data": {"viewer": None}}}


# --- message size --------------------------------------------------------------------------------


def ping_of_size(size: int) -> str:
    """A ping message of exactly ``size`` bytes."""
    head, tail = '{"type": "ping", "payload": {"pad": "', '"}}'
    return head + "x" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_message_over_the_limit_closes_with_1009(api: Api, settings: Settings, protocol: str) -> None:
    async with connect(api.ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        assert (await init(ws, None))["type"] == "connection_ack"
        await ws.send(ping_of_size(settings.ws_max_message_bytes + 1))
        assert await close_code(ws) == 1009


async def test_the_limit_counts_utf8_bytes(api: Api, settings: Settings) -> None:
    # Fewer characters than the limit, more bytes.
    text = json.dumps(
        {"type": "ping", "payload": {"pad": "é" * (settings.ws_max_message_bytes // 2 + 1)}}, ensure_ascii=False
    )
    assert len(text) < settings.ws_max_message_bytes < len(text.encode())
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        assert (await init(ws, None))["type"] == "connection_ack"
        await ws.send(text)
        assert await close_code(ws) == 1009


async def test_a_message_at_the_limit_is_served(api: Api, settings: Settings) -> None:
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        assert (await init(ws, None))["type"] == "connection_ack"
        await ws.send(ping_of_size(settings.ws_max_message_bytes))
        assert (await receive(ws))["type"] == "pong"


# --- operations per socket -----------------------------------------------------------------------


async def _a_post_by(stores: Stores, account_id: str) -> str:
    return str(relay.to_base64("Post", await post(stores, parse_global_id(account_id, "User", "id"))))


async def test_transport_ws_refuses_operations_beyond_the_cap_and_keeps_the_others(
    api: Api, stores: Stores, settings: Settings, worker: dramatiq.Worker
) -> None:
    ann, ben = await api.sign_up("ann"), await api.sign_up("ben")
    post_id = await _a_post_by(stores, ann.id)
    cap = settings.ws_max_subscriptions
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await init(ws, {"Authorization": f"Bearer {ann.token}"})
        for number in range(cap):
            await send(ws, {"id": f"live-{number}", "type": "subscribe", "payload": {"query": LIVE}})
        await send(ws, {"id": "over", "type": "subscribe", "payload": {"query": LIVE}})
        refused = await receive(ws)
        assert refused["type"] == "error" and refused["id"] == "over", refused
        assert [error["extensions"]["code"] for error in refused["payload"]] == ["RATE_LIMITED"]

        # One ends, so one more fits; the rest still deliver. Completed only once it runs: on
        # Python 3.11, asyncio.wait_for in graph/driver.py can swallow a cancel that lands
        # while an operation is still starting, and the operation then runs on.
        await asyncio.sleep(0.3)
        await send(ws, {"id": "live-0", "type": "complete"})
        await send(ws, {"id": "again", "type": "subscribe", "payload": {"query": LIVE}})
        await like(api, ben, post_id)
        delivered: set[str] = set()
        while len(delivered) < cap:
            message: dict[str, Any] = await receive(ws)
            assert message["type"] == "next", message
            assert message["payload"]["data"]["notifications"]["actors"] == [{"username": "ben"}]
            delivered.add(message["id"])
        assert delivered == {f"live-{number}" for number in range(1, cap)} | {"again"}


async def test_legacy_ws_refuses_operations_beyond_the_cap(api: Api, settings: Settings) -> None:
    ann = await api.sign_up("ann")
    async with connect(api.ws_url, subprotocols=[LEGACY_WS]) as ws:
        await init(ws, {"Authorization": f"Bearer {ann.token}"})
        for number in range(settings.ws_max_subscriptions):
            await send(ws, {"id": f"live-{number}", "type": "start", "payload": {"query": LIVE}})
        await send(ws, {"id": "over", "type": "start", "payload": {"query": LIVE}})
        refused = await receive(ws)
        assert refused["type"] == "error" and refused["id"] == "over", refused
        assert refused["payload"]["extensions"]["code"] == "RATE_LIMITED"
        await asyncio.sleep(0.3)  # stopped only once it runs: see the graphql-transport-ws test
        await send(ws, {"id": "live-0", "type": "stop"})
        assert await receive(ws) == {"type": "complete", "id": "live-0"}
        await send(ws, {"id": "q", "type": "start", "payload": {"query": VIEWER}})
        assert await receive(ws) == {"type": "data", "id": "q", "payload": {"data": {"viewer": {"username": "ann"}}}}


def test_the_messages_here_are_what_they_claim() -> None:
    """The fixtures above: each malformed message is JSON (but for the deep ones) and an object."""
    for param in [*MALFORMED, *LEGACY_MALFORMED]:
        text = param.values[0]
        assert isinstance(text, str)
        if DEEP not in text:
            assert isinstance(json.loads(text), dict)
