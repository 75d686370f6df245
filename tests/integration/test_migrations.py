"""Migrations upgrade to head, downgrade to nothing, and upgrade again on a fresh database."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, make_url, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.schema import CreateIndex

from db import migrate
from db.tables import metadata
from settings import Settings

# Foreign keys whose column leads no index: deleting the row they point at scans the table.
_UNINDEXED_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, a.attname
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f'
  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
"""


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


async def _schema_drift(url: str) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the models."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    engine = create_async_engine(url)
    async with engine.connect() as connection:
        drift = await connection.run_sync(compare)
        unindexed = (await connection.execute(text(_UNINDEXED_FOREIGN_KEYS))).all()
    async with engine.connect() as connection:
        differing = await _indexes_unlike_the_models(connection)
    await engine.dispose()
    return drift + [("unindexed foreign key", *row) for row in unindexed] + differing


async def _indexes_unlike_the_models(connection: AsyncConnection) -> list[tuple[str, str, str]]:
    """Indexes whose definition differs from the model's, partial-index predicates included
    (autogenerate does not compare those). Each model index is built beside the migrated one
    under another name, and PostgreSQL's own renderings of the two are compared."""
    definition = text("SELECT pg_get_indexdef(to_regclass(:name))")
    differing: list[tuple[str, str, str]] = []
    try:
        for table in metadata.sorted_tables:
            for index in table.indexes:
                name = str(index.name)
                twin = f"drift_{name}"[:63]
                created = str(CreateIndex(index).compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
                await connection.execute(text(created.replace(f"INDEX {name} ", f"INDEX {twin} ", 1)))
                migrated = await connection.scalar(definition, {"name": name})
                modelled = await connection.scalar(definition, {"name": twin})
                if migrated is None or str(migrated).replace(name, twin, 1) != modelled:
                    differing.append((name, str(migrated), str(modelled)))
    finally:
        await connection.rollback()  # the twins go
    return differing


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


def test_head_matches_the_models_and_indexes_every_foreign_key(scratch_url: str) -> None:
    migrate.upgrade(scratch_url)
    assert asyncio.run(_schema_drift(scratch_url)) == []
