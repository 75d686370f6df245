"""A Redis connection pool that a cancelled caller cannot leave a connection short.

redis-py takes the pool's lock to take a connection back. A task
cancelled while it waits for that lock to give a connection back (graphql-core cancels a
failed field's siblings; a deadline cancels whole operations) never gives it back: the
connection stays "in use" for good, and once max_connections of them have gone, every
command fails at once with MaxConnectionsError. Here the giving back runs in a task of its
own, so a caller that leaves merely stops waiting for it. (Taking a connection needs no such
care: redis-py gives back one it took for a caller cancelled while connecting.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import ConnectionPool
from redis.asyncio.connection import AbstractConnection


class CancelSafePool(ConnectionPool):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._returns: set[asyncio.Future[None]] = set()  # held: the loop keeps only weak references

    async def release(self, connection: AbstractConnection) -> None:
        giving = asyncio.ensure_future(super().release(connection))
        self._returns.add(giving)
        giving.add_done_callback(self._returns.discard)
        await asyncio.shield(giving)
