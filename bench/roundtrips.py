"""Count the round trips a block of code makes to each store, to pin them in tests and report
them in benchmarks.

A page must cost the same number of round trips whatever its size (house rule 4), so
tests run an operation at two page sizes and compare what this counter saw.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio.client import Pipeline
from sqlalchemy import event

from services.stores import Stores

GRAPH_CALLS = ("read", "write", "transaction")


@dataclass
class RoundTrips:
    """What one block of code sent: SQL statements (with the pool checkouts that carry them),
    graph calls, and Redis round trips (one per command, one per pipeline sent)."""

    sql: int = 0
    checkouts: int = 0
    graph: int = 0
    redis: int = 0
    log: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        return {"sql": self.sql, "checkouts": self.checkouts, "graph": self.graph, "redis": self.redis}

    def report(self) -> str:
        """Every round trip in order, one line each, to show which one a failing test added."""
        return "\n".join(self.log)


@contextmanager
def count_round_trips(stores: Stores) -> Iterator[RoundTrips]:
    """Count what goes to PostgreSQL, the graph and Redis through ``stores`` inside the block."""
    counted = RoundTrips()
    sync_engine = stores.engine.sync_engine

    def on_statement(*args: Any) -> None:
        counted.sql += 1
        counted.log.append("sql: " + " ".join(str(args[2]).split()))

    def on_checkout(*args: Any) -> None:
        counted.checkouts += 1

    def graph_call(name: str) -> Any:
        original = getattr(stores.graph, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            counted.graph += 1
            counted.log.append(f"graph {name}: " + " ".join(str(args[0] if args else "").split()))
            return await original(*args, **kwargs)

        return call

    redis = stores.redis
    original_command: Callable[..., Awaitable[Any]] = redis.execute_command  # untyped in redis-py
    original_pipeline = redis.pipeline

    async def execute_command(*args: Any, **options: Any) -> Any:
        counted.redis += 1
        counted.log.append(f"redis: {args[0] if args else ''}")
        return await original_command(*args, **options)

    def pipeline(transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        pipe = original_pipeline(transaction=transaction, shard_hint=shard_hint)
        original_execute = pipe.execute

        async def execute(raise_on_error: bool = True) -> list[Any]:
            # An empty pipeline sends nothing.
            if pipe.command_stack:
                counted.redis += 1
                counted.log.append(f"redis: pipeline of {len(pipe.command_stack)}")
            return await original_execute(raise_on_error)

        setattr(pipe, "execute", execute)  # noqa: B010 - mypy forbids assigning to a method
        return pipe

    event.listen(sync_engine, "before_cursor_execute", on_statement)
    event.listen(sync_engine.pool, "checkout", on_checkout)
    patched: dict[tuple[object, str], Callable[..., Any]] = {
        **{(stores.graph, name): graph_call(name) for name in GRAPH_CALLS},
        (redis, "execute_command"): execute_command,
        (redis, "pipeline"): pipeline,
    }
    for (target, name), replacement in patched.items():
        setattr(target, name, replacement)
    try:
        yield counted
    finally:
        for target, name in patched:
            delattr(target, name)  # the class's own method shows through again
        event.remove(sync_engine.pool, "checkout", on_checkout)
        event.remove(sync_engine, "before_cursor_execute", on_statement)
