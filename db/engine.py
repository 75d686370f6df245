"""Engine and session factory; the caller that opens a transaction owns it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from settings import Settings

SessionFactory = async_sessionmaker[AsyncSession]


def create_engine(settings: Settings) -> AsyncEngine:
    return create_async_engine(
        settings.require_database_url,
        pool_size=settings.database_pool_size,
        pool_pre_ping=True,
        connect_args={
            # The shard id feeds shutter_next_id(), so ids say where they were made.
            "server_settings": {
                "application_name": "shutter",
                "shutter.shard_id": str(settings.shard_id),
            },
            "timeout": settings.store_timeout_seconds,
        },
    )


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


def create_read_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions for reads that need no transaction: each statement runs on its own, without
    the BEGIN and ROLLBACK round trips a transaction costs (hot read paths use these)."""
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
