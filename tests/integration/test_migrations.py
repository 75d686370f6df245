"""Migrations upgrade to head, downgrade to nothing, and upgrade again on a fresh database."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from db import migrate
from settings import Settings


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        names = set(rows.scalars())
    await engine.dispose()
    return names


@pytest.fixture
def scratch_url(settings: Settings) -> Iterator[str]:
    name = f"shutter_migrations_{secrets.token_hex(4)}"
    base = settings.require_database_url
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE "{name}" WITH (FORCE)'))


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    migrate.upgrade(scratch_url)
    assert {"users", "refresh_tokens", "posts", "media", "likes", "comments", "alembic_version"} <= asyncio.run(
        _tables(scratch_url)
    )
    migrate.downgrade(scratch_url, "base")
    assert asyncio.run(_tables(scratch_url)) == {"alembic_version"}
    migrate.upgrade(scratch_url)
    assert {"users", "refresh_tokens"} <= asyncio.run(_tables(scratch_url))
