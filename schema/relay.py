"""Relay plumbing: global ids, opaque cursors, connections and page arguments."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry
from strawberry import relay

from services.errors import DomainError, ErrorCode
from settings import Settings

NodeT = TypeVar("NodeT")
ItemT = TypeVar("ItemT")
CURSOR_PREFIX = "c1:"


def parse_any_global_id(value: str, field: str) -> tuple[str, int]:
    """(type name, numeric id) from a global id; INVALID_ID when it is not one of ours."""
    try:
        gid = relay.GlobalID.from_id(value)
        number = int(gid.node_id)
        if not 0 < number < 2**63 or str(number) != gid.node_id:
            raise ValueError(number)
        return gid.type_name, number
    except (relay.GlobalIDValueError, ValueError, TypeError):
        raise DomainError(ErrorCode.INVALID_ID, "Not a valid id.", field) from None


def parse_global_id(value: str, expected_type: str, field: str) -> int:
    """The numeric id inside a global id of ``expected_type``; INVALID_ID otherwise."""
    type_name, number = parse_any_global_id(value, field)
    if type_name != expected_type:
        raise DomainError(ErrorCode.INVALID_ID, f"Not a valid {expected_type} id.", field)
    return number


def encode_cursor(*parts: int) -> str:
    raw = CURSOR_PREFIX + ":".join(str(p) for p in parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int, field: str = "after") -> tuple[int, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
        if not raw.startswith(CURSOR_PREFIX):
            raise ValueError(raw)
        parts = tuple(int(p) for p in raw[len(CURSOR_PREFIX) :].split(":"))
        if len(parts) != arity or not all(-(2**63) <= p < 2**63 for p in parts):
            raise ValueError(raw)
        return parts
    except (ValueError, UnicodeError, binascii.Error):
        raise DomainError(ErrorCode.INVALID_CURSOR, "Not a valid cursor.", field) from None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Validated forward-pagination arguments."""

    first: int
    after: tuple[int, ...] | None


def page_request(settings: Settings, first: int | None, after: str | None, cursor_arity: int) -> PageRequest:
    size = settings.default_page_size if first is None else first
    if not 0 <= size <= settings.max_page_size:
        raise DomainError(ErrorCode.INVALID_INPUT, f"'first' must be between 0 and {settings.max_page_size}.", "first")
    return PageRequest(size, decode_cursor(after, cursor_arity) if after is not None else None)


@strawberry.type(description="Where a page sits in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo

    @classmethod
    def build(
        cls,
        items: Sequence[ItemT],
        request: PageRequest,
        node: Callable[[ItemT], NodeT | None],
        cursor: Callable[[ItemT], str],
    ) -> Connection[NodeT]:
        """A page from up to ``first + 1`` items: the extra one only says there is more.

        Items whose ``node`` is None (hidden from the viewer) are left out of the edges but
        still count for paging, so the next cursor moves past them.
        """
        window = items[: request.first]
        edges = [Edge(cursor=cursor(item), node=shown) for item in window if (shown := node(item)) is not None]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(items) > request.first,
                has_previous_page=request.after is not None,
                start_cursor=edges[0].cursor if edges else None,
                # The last item read, shown or not, so paging resumes past hidden ones too.
                end_cursor=cursor(window[-1]) if window else None,
            ),
        )
