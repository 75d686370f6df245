"""What the home feed asks of the graph: a viewer's feed context and an author's audience."""

from __future__ import annotations

from dataclasses import dataclass

from graph.driver import Graph
from graph.names import BLOCKS, CLOSE_FRIEND, FOLLOWS, ID, USER


@dataclass(frozen=True, slots=True)
class FeedRelations:
    following: frozenset[int]
    celebrities: frozenset[int]  # followed accounts with at least the threshold's followers
    close_friend_of: frozenset[int]
    hidden: frozenset[int]


async def feed_relations(graph: Graph, viewer: int, celebrity_threshold: int | None) -> FeedRelations:
    """Whom the viewer follows (and which of them are celebrities, unless no threshold is
    given, and which list the viewer as a close friend), and who is on either side of a
    block with the viewer: one read."""
    celebrity = f"COUNT {{ (o)<-[:{FOLLOWS}]-() }} >= $threshold" if celebrity_threshold is not None else "false"
    records = await graph.read(
        f"MATCH (v:{USER} {{{ID}: $viewer}})-[:{FOLLOWS}]->(o:{USER}) "
        f"RETURN o.{ID} AS oid, false AS hidden, {celebrity} AS celebrity, "
        f"EXISTS {{ (o)-[:{CLOSE_FRIEND}]->(v) }} AS close_friend "
        f"UNION ALL "
        f"MATCH (v:{USER} {{{ID}: $viewer}})-[:{BLOCKS}]-(o:{USER}) "
        f"RETURN o.{ID} AS oid, true AS hidden, false AS celebrity, false AS close_friend",
        viewer=viewer,
        threshold=celebrity_threshold,
    )
    following: set[int] = set()
    celebrities: set[int] = set()
    close: set[int] = set()
    hidden: set[int] = set()
    for record in records:
        oid = int(record["oid"])
        if record["hidden"]:
            hidden.add(oid)
            continue
        following.add(oid)
        if record["celebrity"]:
            celebrities.add(oid)
        if record["close_friend"]:
            close.add(oid)
    return FeedRelations(frozenset(following), frozenset(celebrities), frozenset(close), frozenset(hidden))


async def follower_pages(graph: Graph, author: int, size: int, *, close_friends_only: bool = False) -> list[list[int]]:
    """Every follower id of the author, in pages of ``size``; only those the author lists as
    close friends when asked. One walk of the author's edges, cut into pages by the server:
    keyset pages would walk (and sort) every edge again for each page."""
    where = f"WHERE EXISTS {{ (a)-[:{CLOSE_FRIEND}]->(f) }} " if close_friends_only else ""
    records = await graph.read(
        f"MATCH (a:{USER} {{{ID}: $author}})<-[:{FOLLOWS}]-(f:{USER}) {where}"
        f"WITH collect(f.{ID}) AS ids "
        f"UNWIND range(0, size(ids) - 1, $size) AS start "
        f"RETURN ids[start..start + $size] AS page",
        author=author,
        size=size,
    )
    return [[int(fid) for fid in record["page"]] for record in records]
