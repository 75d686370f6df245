"""Newest-first pages of the people on one side of a user's edges (keyset pagination)."""

from __future__ import annotations

import enum

from graph.driver import Graph
from graph.names import BLOCKS, CLOSE_FRIEND, FOLLOWS, ID, REQUESTED, SINCE, USER


class Listing(enum.Enum):
    """Which edges to walk, and whether they point at the user ("in") or away ("out")."""

    FOLLOWERS = (FOLLOWS, "in")
    FOLLOWING = (FOLLOWS, "out")
    FOLLOW_REQUESTS = (REQUESTED, "in")
    BLOCKED = (BLOCKS, "out")
    CLOSE_FRIENDS = (CLOSE_FRIEND, "out")


def _pattern(listing: Listing) -> str:
    kind, direction = listing.value
    if direction == "in":
        return f"(u:{USER} {{{ID}: $uid}})<-[r:{kind}]-(o:{USER})"
    return f"(u:{USER} {{{ID}: $uid}})-[r:{kind}]->(o:{USER})"


async def page(
    graph: Graph, listing: Listing, user_id: int, limit: int, after: tuple[int, int] | None
) -> list[tuple[int, int]]:
    """Up to ``limit`` (other user id, since) pairs, newest edge first, strictly after ``after``."""
    where = ""
    params: dict[str, int] = {"uid": user_id, "limit": limit}
    if after is not None:
        where = f"WHERE r.{SINCE} < $since OR (r.{SINCE} = $since AND o.{ID} < $oid) "
        params["since"], params["oid"] = after
    records = await graph.read(
        f"MATCH {_pattern(listing)} {where}"
        f"RETURN o.{ID} AS oid, r.{SINCE} AS since ORDER BY since DESC, oid DESC LIMIT $limit",
        **params,
    )
    return [(int(r["oid"]), int(r["since"])) for r in records]
