"""Pooled PostgreSQL connections: pinged after sitting idle, replaced when the server dropped them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db import engine as db_engine
from settings import Settings


async def _backend_pid(engine: object) -> int:
    async with engine.connect() as connection:  # type: ignore[attr-defined]
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_an_idle_connection_the_server_dropped_is_replaced(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_engine, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = db_engine.create_engine(settings.model_copy(update={"database_pool_size": 1}))
    killer = db_engine.create_engine(settings)
    try:
        dropped = await _backend_pid(engine)
        async with killer.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        # The pooled connection is dead; the ping on checkout finds out and opens another.
        assert await _backend_pid(engine) != dropped
    finally:
        await engine.dispose()
        await killer.dispose()


async def test_a_busy_connection_is_not_pinged(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db_engine.create_engine(settings.model_copy(update={"database_pool_size": 1}))
    pings = 0
    real_ping = engine.sync_engine.dialect.do_ping

    def counted(connection: object) -> bool:
        nonlocal pings
        pings += 1
        return real_ping(connection)  # type: ignore[arg-type]

    monkeypatch.setattr(engine.sync_engine.dialect, "do_ping", counted)
    try:
        for _ in range(5):
            await _backend_pid(engine)
        assert pings == 0
        monkeypatch.setattr(db_engine, "PING_AFTER_IDLE_SECONDS", 0.0)
        await _backend_pid(engine)
        assert pings == 1
    finally:
        await engine.dispose()
