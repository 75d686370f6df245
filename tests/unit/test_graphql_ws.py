"""What the WebSocket handlers refuse before Strawberry reads a message: size and shape."""

from __future__ import annotations

import pytest

from web.graphql_ws import NOT_AN_OBJECT, Unreadable, _close_reason, _message_problem, _over

TRANSPORT = ("subscribe", "complete")
LEGACY = ("start", "stop")


def test_size_is_counted_in_utf8_bytes() -> None:
    assert not _over("x" * 10, 10)
    assert _over("x" * 11, 10)
    assert not _over("é" * 5, 10)
    assert _over("é" * 6, 10)  # six characters, twelve bytes
    assert _over("😀" * 3, 10)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "connection_init"},
        {"type": "ping", "payload": {"a": 1}},
        {"type": "complete", "id": "1"},
        {"type": "subscribe", "id": "1", "payload": {"query": "{ a }"}},
        {
            "type": "subscribe",
            "id": "1",
            "payload": {"query": "{ a }", "variables": None, "operationName": None, "extensions": {}},
        },
        {"type": "something-else"},  # Strawberry closes with 4400 itself, naming the type
    ],
)
def test_well_formed_messages_pass(message: dict[str, object]) -> None:
    assert _message_problem(message, TRANSPORT) is None


@pytest.mark.parametrize(
    ("message", "mentions"),
    [
        (Unreadable("too deep"), "too deep"),
        ([], NOT_AN_OBJECT),
        ({}, "'type'"),
        ({"type": ["subscribe"]}, "'type'"),
        ({"type": "subscribe", "payload": {"query": "{ a }"}}, "'id'"),
        ({"type": "subscribe", "id": "", "payload": {"query": "{ a }"}}, "'id'"),
        ({"type": "complete", "id": 7}, "'id'"),
        ({"type": "subscribe", "id": "1"}, "'payload'"),
        ({"type": "subscribe", "id": "1", "payload": {"query": None}}, "'query'"),
        ({"type": "subscribe", "id": "1", "payload": {"query": "{ a }", "variables": []}}, "'variables'"),
        ({"type": "subscribe", "id": "1", "payload": {"query": "{ a }", "extensions": 1}}, "'extensions'"),
        ({"type": "subscribe", "id": "1", "payload": {"query": "{ a }", "operationName": 1}}, "'operationName'"),
    ],
)
def test_malformed_messages_are_named(message: object, mentions: str) -> None:
    problem = _message_problem(message, TRANSPORT)
    assert problem is not None and mentions in problem


def test_the_legacy_protocol_checks_its_own_operation_messages() -> None:
    assert _message_problem({"type": "start", "id": "1", "payload": {"query": "{ a }"}}, LEGACY) is None
    assert _message_problem({"type": "subscribe", "id": 1}, LEGACY) is None  # not a legacy type: ignored
    assert _message_problem({"type": "stop"}, LEGACY) is not None
    assert _message_problem({"type": "start", "id": "1", "payload": []}, LEGACY) is not None


def test_close_reasons_fit_a_close_frame() -> None:
    assert _close_reason("Forbidden") == "Forbidden"
    assert len(_close_reason("x" * 500).encode()) == 123
    cut = _close_reason("é" * 100)  # never half a character
    assert cut == "é" * 61
