"""Constraints and indexes the graph needs; safe to apply on every start."""

from __future__ import annotations

from typing import LiteralString

from graph.driver import Graph

STATEMENTS: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT user_id_unique IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE",
)


async def ensure_constraints(graph: Graph) -> None:
    for statement in STATEMENTS:
        await graph.write(statement)
