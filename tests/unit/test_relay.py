"""Relay plumbing: global ids, cursors, page arguments and connection building."""

from __future__ import annotations

import base64

import pytest
from strawberry import relay

from schema.relay import (
    CURSOR_PREFIX,
    Connection,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_request,
    parse_any_global_id,
    parse_global_id,
)
from services.errors import DomainError, ErrorCode
from settings import Settings


def b64(raw: str | bytes) -> str:
    return base64.b64encode(raw.encode() if isinstance(raw, str) else raw).decode()


@pytest.fixture
def settings() -> Settings:
    return Settings(default_page_size=20, max_page_size=100)


# --- global ids --------------------------------------------------------------------------------


def test_global_id_round_trip() -> None:
    value = str(relay.GlobalID("User", "123"))
    assert parse_any_global_id(value, "id") == ("User", 123)
    assert parse_global_id(value, "User", "userId") == 123


@pytest.mark.parametrize("number", [1, 42, 2**53, 2**63 - 1])
def test_global_id_round_trip_across_the_range(number: int) -> None:
    assert parse_global_id(str(relay.GlobalID("User", str(number))), "User", "id") == number


def test_other_types_parse_but_are_not_users() -> None:
    value = str(relay.GlobalID("Post", "7"))
    assert parse_any_global_id(value, "id") == ("Post", 7)
    with pytest.raises(DomainError) as raised:
        parse_global_id(value, "User", "userId")
    assert raised.value.code is ErrorCode.INVALID_ID
    assert raised.value.field == "userId"


@pytest.mark.parametrize(
    "value",
    [
        str(relay.GlobalID("User", "abc")),
        str(relay.GlobalID("User", "")),
        str(relay.GlobalID("User", "1.5")),
        str(relay.GlobalID("User", "1e3")),
        str(relay.GlobalID("User", "0x10")),
        str(relay.GlobalID("User", "0")),
        str(relay.GlobalID("User", "-1")),
        str(relay.GlobalID("User", "-0")),
        str(relay.GlobalID("User", "+5")),
        str(relay.GlobalID("User", " 5")),
        str(relay.GlobalID("User", "007")),
        str(relay.GlobalID("User", "1_000")),
        str(relay.GlobalID("User", "٣")),
        str(relay.GlobalID("User", str(2**63))),
        str(relay.GlobalID("User", str(2**200))),
        "%%%",
        "",
        "User:1",
        "not base64!",
        b64("User"),
        b64(b"\xff\xfe:1"),
        b64("User:1")[:-2],
    ],
    ids=[
        "letters",
        "empty-number",
        "decimal",
        "exponent",
        "hex",
        "zero",
        "negative",
        "negative-zero",
        "plus",
        "space",
        "leading-zeros",
        "underscore",
        "arabic-digit",
        "just-over-int64",
        "huge",
        "symbols",
        "empty",
        "not-encoded",
        "not-base64",
        "no-separator",
        "not-utf8",
        "truncated",
    ],
)
def test_bad_global_ids_are_invalid_id(value: str) -> None:
    with pytest.raises(DomainError) as raised:
        parse_any_global_id(value, "id")
    assert raised.value.code is ErrorCode.INVALID_ID
    assert raised.value.field == "id"
    with pytest.raises(DomainError) as raised:
        parse_global_id(value, "User", "userId")
    assert raised.value.code is ErrorCode.INVALID_ID
    assert raised.value.field == "userId"


# --- cursors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("parts", [(0,), (1, 2), (1_700_000_000_123, 2**62), (5, 0, 9)])
def test_cursor_round_trip(parts: tuple[int, ...]) -> None:
    cursor = encode_cursor(*parts)
    assert decode_cursor(cursor, len(parts)) == parts


def test_cursors_are_opaque_and_url_safe() -> None:
    cursor = encode_cursor(1_700_000_000_123, 2**62)
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert str(2**62) not in cursor


@pytest.mark.parametrize(("parts", "arity"), [((1, 2), 1), ((1, 2), 3), ((1,), 2)])
def test_cursor_of_the_wrong_arity_is_invalid(parts: tuple[int, ...], arity: int) -> None:
    with pytest.raises(DomainError) as raised:
        decode_cursor(encode_cursor(*parts), arity)
    assert raised.value.code is ErrorCode.INVALID_CURSOR
    assert raised.value.field == "after"


def _urlsafe(raw: str | bytes) -> str:
    return base64.urlsafe_b64encode(raw.encode() if isinstance(raw, str) else raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage",
        "%%%",
        "A",
        "é",
        "c1:1:2",
        _urlsafe("c2:1:2"),
        _urlsafe("1:2"),
        _urlsafe(f"{CURSOR_PREFIX}a:b"),
        _urlsafe(f"{CURSOR_PREFIX}1:"),
        _urlsafe(f"{CURSOR_PREFIX}"),
        _urlsafe(b"\xff\xfe\xfd"),
        "A" * 10_001,
    ],
    ids=[
        "empty",
        "word",
        "symbols",
        "one-char",
        "non-ascii",
        "not-encoded",
        "wrong-prefix",
        "no-prefix",
        "not-numbers",
        "empty-part",
        "prefix-only",
        "not-utf8",
        "huge",
    ],
)
def test_garbage_cursors_are_invalid(cursor: str) -> None:
    with pytest.raises(DomainError) as raised:
        decode_cursor(cursor, 2, field="before")
    assert raised.value.code is ErrorCode.INVALID_CURSOR
    assert raised.value.field == "before"


# --- page arguments ----------------------------------------------------------------------------


def test_first_defaults_to_the_default_page_size(settings: Settings) -> None:
    assert page_request(settings, None, None, 2) == PageRequest(20, None)


@pytest.mark.parametrize("first", [0, 1, 100])
def test_first_within_bounds(settings: Settings, first: int) -> None:
    assert page_request(settings, first, None, 2).first == first


@pytest.mark.parametrize("first", [101, -1, 10**9, -(10**9)])
def test_first_out_of_bounds_is_invalid_input(settings: Settings, first: int) -> None:
    with pytest.raises(DomainError) as raised:
        page_request(settings, first, None, 2)
    assert raised.value.code is ErrorCode.INVALID_INPUT
    assert raised.value.field == "first"


def test_the_cap_is_the_setting() -> None:
    small = Settings(default_page_size=2, max_page_size=5)
    assert page_request(small, None, None, 1).first == 2
    assert page_request(small, 5, None, 1).first == 5
    with pytest.raises(DomainError):
        page_request(small, 6, None, 1)


def test_after_is_decoded_with_the_arity(settings: Settings) -> None:
    assert page_request(settings, 3, encode_cursor(10, 20), 2) == PageRequest(3, (10, 20))
    with pytest.raises(DomainError) as raised:
        page_request(settings, 3, encode_cursor(10, 20), 1)
    assert raised.value.code is ErrorCode.INVALID_CURSOR
    assert raised.value.field == "after"


# --- connections -------------------------------------------------------------------------------


def _build(
    items: list[int], first: int, after: tuple[int, ...] | None = None, hidden: frozenset[int] = frozenset()
) -> Connection[str]:
    return Connection[str].build(
        items,
        PageRequest(first, after),
        node=lambda item: None if item in hidden else f"node-{item}",
        cursor=encode_cursor,
    )


def test_extra_item_means_there_is_a_next_page() -> None:
    page = _build([1, 2, 3], first=2)
    assert [edge.node for edge in page.edges] == ["node-1", "node-2"]
    assert page.page_info.has_next_page is True
    assert page.page_info.start_cursor == encode_cursor(1)
    assert page.page_info.end_cursor == encode_cursor(2)
    assert page.page_info.has_previous_page is False


@pytest.mark.parametrize("items", [[1, 2], [1]])
def test_no_extra_item_means_the_last_page(items: list[int]) -> None:
    page = _build(items, first=2)
    assert len(page.edges) == len(items)
    assert page.page_info.has_next_page is False
    assert page.page_info.end_cursor == encode_cursor(items[-1])


def test_empty_page() -> None:
    page = _build([], first=5)
    assert page.edges == []
    assert page.page_info.has_next_page is False
    assert page.page_info.start_cursor is None
    assert page.page_info.end_cursor is None


def test_first_zero_reports_more_without_edges() -> None:
    page = _build([1], first=0)
    assert page.edges == []
    assert page.page_info.has_next_page is True
    assert page.page_info.end_cursor is None


def test_after_means_there_is_a_previous_page() -> None:
    assert _build([4, 5], first=5, after=(3,)).page_info.has_previous_page is True


def test_edge_cursors_are_each_items_cursor() -> None:
    page = _build([7, 8, 9], first=3)
    assert [decode_cursor(edge.cursor, 1) for edge in page.edges] == [(7,), (8,), (9,)]


def test_hidden_items_are_skipped_but_the_end_cursor_moves_past_them() -> None:
    page = _build([1, 2, 3, 4], first=3, hidden=frozenset({2, 3}))
    assert [edge.node for edge in page.edges] == ["node-1"]
    assert page.page_info.start_cursor == encode_cursor(1)
    assert page.page_info.end_cursor == encode_cursor(3)
    assert page.page_info.has_next_page is True


def test_a_page_of_only_hidden_items_still_advances() -> None:
    page = _build([1, 2, 3], first=2, hidden=frozenset({1, 2}))
    assert page.edges == []
    assert page.page_info.start_cursor is None
    assert page.page_info.end_cursor == encode_cursor(2)
    assert page.page_info.has_next_page is True


def test_the_extra_item_is_never_an_edge_even_when_hidden_ones_leave_room() -> None:
    page = _build([1, 2, 3], first=2, hidden=frozenset({1}))
    assert [edge.node for edge in page.edges] == ["node-2"]
    assert page.page_info.end_cursor == encode_cursor(2)
