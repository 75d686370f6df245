"""Bulk loads for the benchmark data set: one statement per batch of thousands of nodes or edges.

The product's own writes (graph/social.py) lock and check each pair; a synthetic data set
is made of fresh users only, so plain CREATE is safe and far faster. UNWIND comes before
MATCH, which the embedded graph server needs to use the id index.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.driver import Graph
from graph.names import FOLLOWS, ID, SINCE, USER

_MERGE_USERS = f"UNWIND $ids AS uid MERGE (u:{USER} {{{ID}: uid}})"
_CREATE_FOLLOWS = (
    f"UNWIND $pairs AS p MATCH (a:{USER} {{{ID}: p[0]}}), (b:{USER} {{{ID}: p[1]}}) "
    f"CREATE (a)-[:{FOLLOWS} {{{SINCE}: p[2]}}]->(b)"
)
_DELETE_USERS = f"UNWIND $ids AS uid MATCH (u:{USER} {{{ID}: uid}}) DETACH DELETE u"
_FOLLOWS_FROM = (
    f"UNWIND $ids AS uid MATCH (a:{USER} {{{ID}: uid}})-[:{FOLLOWS}]->(b:{USER}) RETURN a.{ID} AS a, b.{ID} AS b"
)


def patient(graph: Graph, timeout: float) -> Graph:
    """The same driver with a longer deadline: one batch of thousands of edges may take seconds."""
    return Graph(graph.driver, graph.database, timeout)


async def merge_users(graph: Graph, ids: Sequence[int]) -> None:
    """Make sure each id has a user node."""
    await graph.write(_MERGE_USERS, ids=list(ids))


async def create_follows(graph: Graph, edges: Sequence[tuple[int, int, int]]) -> None:
    """Create one FOLLOWS edge per (follower, followee, since ms); the caller rules out duplicates."""
    await graph.write(_CREATE_FOLLOWS, pairs=[list(edge) for edge in edges])


async def delete_users(graph: Graph, ids: Sequence[int]) -> None:
    """Remove the user nodes and every edge touching them."""
    await graph.write(_DELETE_USERS, ids=list(ids))


async def follows_from(graph: Graph, ids: Sequence[int]) -> list[tuple[int, int]]:
    """Every (follower, followee) edge leaving the given users, duplicates included."""
    records = await graph.read(_FOLLOWS_FROM, ids=list(ids))
    return [(int(r["a"]), int(r["b"])) for r in records]
