"""Cancelled store calls: hundreds of callers give up mid-flight, every pool is whole afterwards.

Requests are cancelled all the time: a client hangs up, a store timeout fires, graphql-core
cancels the sibling resolvers of one that failed. None of that may cost a pooled connection.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import pytest
from redis.asyncio import ConnectionPool, Redis
from sqlalchemy import text

from db import engine as db_engine
from devstack import Stack
from graph import Graph, GraphUnavailable
from services.redis_pool import CancelSafePool
from services.stores import Stores
from settings import Settings

CANCELLED_CALLS = 500
# Well under the 5 s store timeout the tests run with: a pool with a lost slot makes a
# full burst wait that long for it, then fail.
BURST_SECONDS = 2.5
SETTLE_SECONDS = 10.0

Call = Callable[[], Awaitable[object]]
RELENTLESS = pytest.mark.parametrize("relentless", [False, True], ids=["cancel-once", "cancel-until-done"])


async def _cancel_at_random_moments(call: Call, *, count: int, longest: float, seed: int, relentless: bool) -> None:
    """Start `count` calls at once; cancel half at once, the others after up to `longest` s.

    Relentless cancellation repeats until the call is over, as an anyio cancel scope does:
    clean-up code that awaits is cancelled too.
    """
    rng = random.Random(seed)

    async def cancelled_later(delay: float) -> None:
        task = asyncio.ensure_future(call())
        await asyncio.sleep(delay)
        task.cancel()
        while relentless and not task.done():
            await asyncio.sleep(0)
            task.cancel()
        # A call that finished first, or failed on its own, is fine too.
        with suppress(asyncio.CancelledError, GraphUnavailable):
            await task

    await asyncio.gather(*(cancelled_later(rng.choice((0.0, rng.uniform(0, longest)))) for _ in range(count)))


async def _burst(call: Call, size: int) -> float:
    """Run `size` calls at once; all must succeed. Returns how long they took."""
    started = time.monotonic()
    await asyncio.gather(*(call() for _ in range(size)))
    return time.monotonic() - started


async def _settled(in_use: Callable[[], int]) -> int:
    """Connections still in use once in-flight work had the time to finish (0 when whole)."""
    for _ in range(int(SETTLE_SECONDS / 0.05)):
        if not in_use():
            return 0
        await asyncio.sleep(0.05)
    return in_use()


# The graph: neo4j's pool marks a connection in use before it hands it out.


def _graph_pool(graph: Graph) -> Any:
    # Private to the neo4j driver, but the only way to see which pooled slots are taken.
    return graph.driver._pool


def _graph_in_use(graph: Graph) -> int:
    connections = _graph_pool(graph).connections.values()
    return sum(connection.in_use for by_address in connections for connection in by_address)


def _graph_busy(graph: Graph) -> int:
    """Connections in use, plus calls whose caller left that have yet to finish."""
    return _graph_in_use(graph) + len(graph._calls)


def _reader(graph: Graph) -> Call:
    async def read() -> object:
        return await graph.read("RETURN 1 AS ok")

    return read


@RELENTLESS
async def test_cancelled_graph_reads_leave_the_pool_whole(stores: Stores, relentless: bool) -> None:
    read = _reader(stores.graph)
    size = _graph_pool(stores.graph).pool_config.max_connection_pool_size
    # Fill the pool first, so cancelled reads pick up pooled connections, as on a busy server.
    await _burst(read, size)
    for wave in range(3):
        await _cancel_at_random_moments(read, count=CANCELLED_CALLS, longest=0.02, seed=wave, relentless=relentless)

    assert await _settled(lambda: _graph_busy(stores.graph)) == 0
    assert await _burst(read, size) < BURST_SECONDS
    assert _graph_in_use(stores.graph) == 0


async def test_graph_reads_given_up_by_wait_for_leave_the_pool_whole(stores: Stores) -> None:
    read = _reader(stores.graph)
    size = _graph_pool(stores.graph).pool_config.max_connection_pool_size
    rng = random.Random(1)

    async def impatient() -> None:
        # As /readyz and callers with their own deadline do: wait_for cancels when time is up.
        with suppress(TimeoutError, GraphUnavailable):
            await asyncio.wait_for(read(), rng.uniform(0.0005, 0.01))

    await _burst(read, size)
    await asyncio.gather(*(impatient() for _ in range(CANCELLED_CALLS)))

    assert await _settled(lambda: _graph_busy(stores.graph)) == 0
    assert await _burst(read, size) < BURST_SECONDS


async def test_slots_held_by_dead_connections_are_reclaimed(stores: Stores) -> None:
    size = _graph_pool(stores.graph).pool_config.max_connection_pool_size
    await _burst(_reader(stores.graph), size)
    # What the liveness-check leak left behind: every slot in use by a killed connection.
    for by_address in _graph_pool(stores.graph).connections.values():
        for connection in by_address:
            connection.in_use = True
            connection.kill()

    # The first call to run out of time waiting for a slot fails, and frees the dead slots.
    impatient = Graph(stores.graph.driver, stores.graph.database, timeout=0.5)
    with pytest.raises(GraphUnavailable):
        await impatient.read("RETURN 1 AS ok")
    assert await _settled(lambda: _graph_busy(stores.graph) + len(impatient._calls)) == 0
    assert await _burst(_reader(stores.graph), size) < BURST_SECONDS


async def test_a_graph_restart_costs_no_failed_read(stores: Stores, stack: Stack) -> None:
    if stack.graph is None:
        pytest.skip("this test restarts the embedded graph server")
    read = _reader(stores.graph)
    size = _graph_pool(stores.graph).pool_config.max_connection_pool_size
    await _burst(read, size)

    # Every pooled connection now holds a socket the old server process closed.
    stack.graph.stop()
    stack.graph.start()

    await read()
    await _burst(read, size)
    assert _graph_in_use(stores.graph) == 0


# PostgreSQL: SQLAlchemy's pool over asyncpg.


@RELENTLESS
@pytest.mark.parametrize("ping_on_checkout", [False, True], ids=["busy", "pinged"])
async def test_cancelled_database_reads_leave_the_pool_whole(
    stores: Stores, monkeypatch: pytest.MonkeyPatch, ping_on_checkout: bool, relentless: bool
) -> None:
    if ping_on_checkout:
        # Every checkout pings first, so cancellations land in the ping too.
        monkeypatch.setattr(db_engine, "PING_AFTER_IDLE_SECONDS", 0.0)
    pool = stores.engine.sync_engine.pool
    size = stores.settings.database_pool_size

    async def read() -> object:
        async with stores.reads() as session:
            return (await session.execute(text("SELECT pg_sleep(0.01)"))).scalar()

    await _burst(read, size)
    for wave in range(3):
        # The pool serves ~20 reads at a time: spread cancellations over the whole queue.
        await _cancel_at_random_moments(read, count=CANCELLED_CALLS, longest=0.3, seed=wave, relentless=relentless)

    assert await _settled(pool.checkedout) == 0  # type: ignore[attr-defined]
    assert await _burst(read, size) < BURST_SECONDS
    assert pool.checkedout() == 0  # type: ignore[attr-defined]


# Redis: redis-py's asyncio pool.


def _redis_in_use(stores: Stores) -> int:
    return len(stores.redis.connection_pool._in_use_connections)


@RELENTLESS
async def test_cancelled_redis_commands_leave_the_pool_whole(stores: Stores, relentless: bool) -> None:
    # The pool refuses, rather than queues, calls beyond its size: stay within it.
    size = stores.redis.connection_pool.max_connections
    await stores.redis.set("k", "v")

    async def command() -> object:
        value = await stores.redis.get("k")
        # A reply the server takes a moment over, so cancellations land mid-command.
        await stores.redis.blpop(["missing"], timeout=0.01)
        return value

    for wave in range(CANCELLED_CALLS // size + 1):
        await _cancel_at_random_moments(command, count=size, longest=0.03, seed=wave, relentless=relentless)

    assert await _settled(lambda: _redis_in_use(stores)) == 0
    # Each pooled connection answers its own command: one cancelled mid-reply and put back
    # unread would hand its stale reply to the next caller.
    values = await asyncio.gather(*(stores.redis.echo(f"n{i}") for i in range(size)))
    assert values == [f"n{i}".encode() for i in range(size)]
    assert await stores.redis.get("k") == b"v"
    assert _redis_in_use(stores) == 0


@pytest.mark.parametrize("pool_class", [ConnectionPool, CancelSafePool], ids=["redis-py", "cancel-safe"])
async def test_a_command_cancelled_while_giving_its_connection_back_leaks_nothing(
    settings: Settings, pool_class: type[ConnectionPool]
) -> None:
    """redis-py gives a connection back under the pool's lock: a command cancelled while it
    waits for that lock left its connection in use for good. The pool Shutter uses does not."""
    pool = pool_class.from_url(settings.require_redis_url)
    client = Redis.from_pool(pool)
    try:
        # A command that holds its connection a while, then must take the lock to give it back.
        command = asyncio.ensure_future(client.blpop(["shutter:test:nothing"], timeout=0.3))
        await asyncio.sleep(0.1)
        async with pool._lock:  # held, as by a busy pool, while the command ends
            await asyncio.sleep(0.5)  # the reply is in; the command waits on the lock
            command.cancel()
            with suppress(asyncio.CancelledError):
                await command
        await asyncio.sleep(0.05)
        leaked = len(pool._in_use_connections)
        if pool_class is ConnectionPool:
            assert leaked == 1  # what the plain pool does: the reason for CancelSafePool
        else:
            assert leaked == 0
    finally:
        await client.aclose()
