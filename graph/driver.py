"""Bolt driver lifecycle and the two ways Shutter talks to the graph: read and write."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired, TransientError

from settings import Settings

T = TypeVar("T")
FIRST_PAUSE_SECONDS = 0.01
LONGEST_PAUSE_SECONDS = 0.25

# Errors that mean "the graph server is not answering", as opposed to a bad query.
_UNAVAILABLE = (ServiceUnavailable, SessionExpired, ConnectionError, OSError, asyncio.TimeoutError)


class GraphUnavailable(Exception):
    """The graph server did not answer in time; the caller reports SERVICE_UNAVAILABLE."""


class Graph:
    """A driver bound to one database, with bounded waits so an outage fails fast.

    Conflicting writes (ArcadeDB's optimistic concurrency, Neo4j deadlock detection) are
    retried here with short jittered pauses: the driver's own retry starts near a second,
    far too slow for many people following one account at once.
    """

    def __init__(self, driver: neo4j.AsyncDriver, database: str, timeout: float) -> None:
        self.driver = driver
        self.database = database
        self.timeout = timeout

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
        await self.driver.close()

    async def _query(
        self, query: LiteralString, params: dict[str, Any], routing: neo4j.RoutingControl
    ) -> list[neo4j.Record]:
        records, _, _ = await self.driver.execute_query(query, params, database_=self.database, routing_=routing)
        return records

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        deadline = time.monotonic() + self.timeout
        pause = FIRST_PAUSE_SECONDS
        while True:
            try:
                return await self._guard(attempt(), deadline)
            except TransientError:
                if time.monotonic() + pause >= deadline:
                    raise GraphUnavailable("the graph stayed too busy to take this write") from None
                await asyncio.sleep(pause * random.uniform(0.5, 1.5))
                pause = min(pause * 2, LONGEST_PAUSE_SECONDS)

    async def _guard(self, call: Awaitable[T], deadline: float) -> T:
        try:
            return await asyncio.wait_for(call, max(deadline - time.monotonic(), 0.001))
        except _UNAVAILABLE as exc:
            raise GraphUnavailable(str(exc) or type(exc).__name__) from exc
        except Neo4jError:
            raise
        except DriverError as exc:
            raise GraphUnavailable(str(exc)) from exc


def create_graph(settings: Settings) -> Graph:
    timeout = settings.store_timeout_seconds
    driver = AsyncGraphDatabase.driver(
        settings.require_graph_url,
        auth=(settings.graph_user, settings.graph_password),
        connection_timeout=timeout,
        connection_acquisition_timeout=timeout,
        # Graph retries conflicts itself, faster; see Graph._retrying.
        max_transaction_retry_time=0,
        # Reconnect after a graph restart instead of holding dead sockets.
        liveness_check_timeout=0,
    )
    return Graph(driver, settings.graph_database, timeout)
