"""What discovery asks of the graph: where the viewer stands towards everyone (for search),
and friends of friends to suggest."""

from __future__ import annotations

from dataclasses import dataclass

from graph.driver import Graph
from graph.names import BLOCKS, CLOSE_FRIEND, FOLLOWS, ID, REQUESTED, USER


@dataclass(frozen=True, slots=True)
class Standing:
    """Whom the viewer follows, who lists the viewer as a close friend (followed or not),
    and who is on either side of a block with the viewer."""

    following: frozenset[int] = frozenset()
    close_friend_of: frozenset[int] = frozenset()
    hidden: frozenset[int] = frozenset()


async def standing(graph: Graph, viewer: int) -> Standing:
    """The viewer's standing towards everyone: one read."""
    records = await graph.read(
        f"MATCH (v:{USER} {{{ID}: $viewer}})-[:{FOLLOWS}]->(o:{USER}) RETURN o.{ID} AS oid, 0 AS kind "
        f"UNION ALL "
        f"MATCH (v:{USER} {{{ID}: $viewer}})<-[:{CLOSE_FRIEND}]-(o:{USER}) RETURN o.{ID} AS oid, 1 AS kind "
        f"UNION ALL "
        f"MATCH (v:{USER} {{{ID}: $viewer}})-[:{BLOCKS}]-(o:{USER}) RETURN o.{ID} AS oid, 2 AS kind",
        viewer=viewer,
    )
    sets: tuple[set[int], set[int], set[int]] = (set(), set(), set())
    for record in records:
        sets[int(record["kind"])].add(int(record["oid"]))
    following, close, hidden = sets
    return Standing(frozenset(following), frozenset(close), frozenset(hidden))


async def friends_of_friends(graph: Graph, viewer: int, limit: int) -> list[tuple[int, int]]:
    """(user id, mutual follows) of people followed by those the viewer follows, most mutual
    follows first, then by id; never the viewer, anyone the viewer follows or asked to
    follow, nor anyone on either side of a block with the viewer."""
    records = await graph.read(
        f"MATCH (v:{USER} {{{ID}: $viewer}})-[:{FOLLOWS}]->(f:{USER})-[:{FOLLOWS}]->(s:{USER}) "
        f"WHERE s.{ID} <> $viewer AND NOT (v)-[:{FOLLOWS}]->(s) AND NOT (v)-[:{REQUESTED}]->(s) "
        f"AND NOT (v)-[:{BLOCKS}]-(s) "
        f"WITH s.{ID} AS sid, count(DISTINCT f) AS mutual "
        f"RETURN sid, mutual ORDER BY mutual DESC, sid ASC LIMIT $limit",
        viewer=viewer,
        limit=limit,
    )
    return [(int(r["sid"]), int(r["mutual"])) for r in records]
