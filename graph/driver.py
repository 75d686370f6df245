"""Bolt driver lifecycle and the two ways Shutter talks to the graph: read and write."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from settings import Settings

T = TypeVar("T")
FIRST_PAUSE_SECONDS = 0.01
LONGEST_PAUSE_SECONDS = 0.25

# Errors that mean "the graph server is not answering", as opposed to a bad query.
_UNAVAILABLE = (ServiceUnavailable, SessionExpired, ConnectionError, OSError, asyncio.TimeoutError)

log = logging.getLogger(__name__)


class GraphUnavailable(Exception):
    """The graph server did not answer in time; the caller reports SERVICE_UNAVAILABLE."""


class Graph:
    """A driver bound to one database, with bounded waits so an outage fails fast.

    Conflicting writes (ArcadeDB's optimistic concurrency, Neo4j deadlock detection) are
    retried here with short jittered pauses: the driver's own retry starts near a second,
    far too slow for many people following one account at once.

    Callers are cancelled all the time (a client hangs up, graphql-core cancels the siblings
    of a failed resolver, a readiness probe times out). The driver is not safe against that
    at every await, so a caller never cancels it: see `_shielded`.
    """

    def __init__(self, driver: neo4j.AsyncDriver, database: str, timeout: float) -> None:
        self.driver = driver
        self.database = database
        self.timeout = timeout
        # Driver calls in flight, kept referenced so those whose caller left still finish.
        self._calls: set[asyncio.Task[Any]] = set()

    async def read(self, query: LiteralString, **params: Any) -> list[neo4j.Record]:
        return await self._retrying(lambda: self._query(query, params, neo4j.RoutingControl.READ))

    async def write(self, query: LiteralString, **params: Any) -> list[neo4j.Record]:
        return await self._retrying(lambda: self._query(query, params, neo4j.RoutingControl.WRITE))

    async def transaction(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        """Run ``work`` in a write transaction, retried on transient conflicts."""

        async def run() -> T:
            async with self.driver.session(database=self.database) as session:
                return await session.execute_write(work)

        return await self._retrying(run)

    async def ping(self) -> None:
        await self.read("RETURN 1 AS ok")

    async def close(self) -> None:
        # The driver must not be closed under calls still using it; each ends by its deadline.
        if self._calls:
            await asyncio.wait(set(self._calls))
        await self.driver.close()

    async def _query(
        self, query: LiteralString, params: dict[str, Any], routing: neo4j.RoutingControl
    ) -> list[neo4j.Record]:
        records, _, _ = await self.driver.execute_query(query, params, database_=self.database, routing_=routing)
        return records

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        deadline = time.monotonic() + self.timeout
        pause = FIRST_PAUSE_SECONDS
        reconnected = False
        while True:
            try:
                return await self._shielded(attempt, deadline)
            except TransientError:
                if time.monotonic() + pause >= deadline:
                    raise GraphUnavailable("the graph stayed too busy to take this write") from None
                await asyncio.sleep(pause * random.uniform(0.5, 1.5))
                pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
            except (ServiceUnavailable, SessionExpired) as exc:
                # Pooled connections are not pinged on checkout (see create_graph), so the first
                # call after a graph restart meets a dead socket. The driver then drops every
                # idle connection to that server, and one more try opens a fresh one. A commit
                # whose outcome is unknown is never replayed.
                if reconnected or isinstance(exc, IncompleteCommit) or time.monotonic() >= deadline:
                    raise GraphUnavailable(str(exc) or type(exc).__name__) from exc
                reconnected = True
            except (TimeoutError, ConnectionAcquisitionTimeoutError) as exc:
                # Out of time, maybe waiting for a pool slot: make sure none is held by a dead connection.
                self._reclaim_dead_slots()
                raise GraphUnavailable(str(exc) or type(exc).__name__) from exc
            except _UNAVAILABLE as exc:
                raise GraphUnavailable(str(exc) or type(exc).__name__) from exc
            except Neo4jError:
                raise
            except DriverError as exc:
                raise GraphUnavailable(str(exc)) from exc

    async def _shielded(self, attempt: Callable[[], Awaitable[T]], deadline: float) -> T:
        """Run one driver call in a task of its own that the caller's cancellation never reaches.

        neo4j is not safe against cancellation everywhere: cancelled while checking a pooled
        connection it loses the slot for good, and cancelled while connecting it leaks the
        socket. A caller that leaves or runs out of time stops waiting; the call runs on and
        returns its connection as usual. The driver's own connect and acquisition timeouts
        (the store timeout) end it cleanly; the hard stop a timeout later only ends a query
        the server never answers, and the driver kills that connection.
        """
        call = asyncio.ensure_future(self._bounded(attempt, deadline + self.timeout))
        self._calls.add(call)
        call.add_done_callback(self._finished)
        # asyncio.timeout, not wait_for: on 3.11 wait_for loses a cancel that arrives just as the
        # call finishes, and a cancelled operation would then run on.
        async with asyncio.timeout(max(deadline - time.monotonic(), 0.001)):
            return await asyncio.shield(call)

    @staticmethod
    async def _bounded(attempt: Callable[[], Awaitable[T]], hard_stop: float) -> T:
        async with asyncio.timeout(max(hard_stop - time.monotonic(), 0.001)):
            return await attempt()

    def _finished(self, call: asyncio.Task[Any]) -> None:
        self._calls.discard(call)
        if not call.cancelled():
            call.exception()  # retrieved: a caller that left will never look at it

    def _reclaim_dead_slots(self) -> int:
        """Free pool slots held by connections that are already closed; returns how many.

        Should the driver ever skip a release again, each lost slot would stay taken for good
        and the pool would shrink until every graph call timed out. A dead connection does
        no work, so freeing its slot is safe (the driver discards it on the next checkout);
        live ones in use belong to calls in flight and are left alone. Reads neo4j's pool
        internals; if they change, this finds nothing and the integration test says so.
        """
        pool = getattr(self.driver, "_pool", None)
        connections = getattr(pool, "connections", None)
        if pool is None or not isinstance(connections, dict):
            return 0
        dead = [
            connection
            for by_address in list(connections.values())
            for connection in list(by_address)
            if connection.in_use and (connection.closed() or connection.defunct())
        ]
        if dead:
            log.warning("freed %d graph pool slots held by dead connections", len(dead))
            pool.kill_and_release(*dead)
        return len(dead)


def create_graph(settings: Settings) -> Graph:
    timeout = settings.store_timeout_seconds
    driver = AsyncGraphDatabase.driver(
        settings.require_graph_url,
        auth=(settings.graph_user, settings.graph_password),
        connection_timeout=timeout,
        connection_acquisition_timeout=timeout,
        # Graph retries conflicts itself, faster; see Graph._retrying.
        max_transaction_retry_time=0,
        # No liveness round trip on checkout: it runs after the pool marked the connection in
        # use, and cancelling it there lost the slot for good. Dead sockets left by a graph
        # restart are found on first use instead, and Graph._retrying tries once more.
        liveness_check_timeout=None,
    )
    return Graph(driver, settings.graph_database, timeout)
