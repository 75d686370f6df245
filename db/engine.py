"""Engine and session factory; the caller that opens a transaction owns it."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from settings import Settings

SessionFactory = async_sessionmaker[AsyncSession]

# A pooled connection idle longer than this is pinged before it is handed out. A busy pool
# hands connections straight back out (a ping on every checkout would double the round
# trips of a hot read path); one that sat idle may have been dropped by the server.
PING_AFTER_IDLE_SECONDS = 5.0
CHECKED_IN_AT = "shutter_checked_in_at"


def create_engine(settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        settings.require_database_url,
        pool_size=settings.database_pool_size,
        connect_args={
            # The shard id feeds shutter_next_id(), so ids say where they were made.
            "server_settings": {
                "application_name": "shutter",
                "shutter.shard_id": str(settings.shard_id),
            },
            "timeout": settings.store_timeout_seconds,
        },
    )
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: AsyncEngine) -> None:
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        checked_in = record.info.get(CHECKED_IN_AT)
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool drops this connection and checks out (or opens) another.
            raise DisconnectionError("pooled connection is gone") from error


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


def create_read_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions for reads that need no transaction: each statement runs on its own, without
    the BEGIN and ROLLBACK round trips a transaction costs (hot read paths use these)."""
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
