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


async def feed_relations(graph: Graph, viewer: int, celebrity_threshold: int) -> FeedRelations:
    """Whom the viewer follows (and which of them are celebrities, and which list the viewer
    as a close friend), and who is on either side of a block with the viewer: one read."""
    records = await graph.read(
        f"MATCH (v:{USER} {{{ID}: $viewer}})-[:{FOLLOWS}]->(o:{USER}) "
        f"RETURN o.{ID} AS oid, false AS hidden, "
        f"COUNT {{ (o)<-[:{FOLLOWS}]-() }} >= $threshold AS celebrity, "
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


async def followers_page(
    graph: Graph, author: int, after: int | None, limit: int, *, close_friends_only: bool = False
) -> list[int]:
    """Up to ``limit`` follower ids above ``after``, ascending (a keyset walk of every
    follower); only those the author lists as close friends when asked."""
    where = f"WHERE f.{ID} > $after " if after is not None else ""
    if close_friends_only:
        where += ("AND " if where else "WHERE ") + f"EXISTS {{ (a)-[:{CLOSE_FRIEND}]->(f) }} "
    records = await graph.read(
        f"MATCH (a:{USER} {{{ID}: $author}})<-[:{FOLLOWS}]-(f:{USER}) {where}"
        f"RETURN f.{ID} AS fid ORDER BY fid LIMIT $limit",
        author=author,
        after=after if after is not None else 0,
        limit=limit,
    )
    return [int(r["fid"]) for r in records]
