"""The servers a test session runs against: embedded by default, external on request.

With SHUTTER_TEST_EXTERNAL=1, every store whose URL is set in the environment
(SHUTTER_DATABASE_URL, SHUTTER_REDIS_URL, SHUTTER_GRAPH_URL + user/password/database)
is used as it is; the others are still started embedded. The test database and Redis
database are wiped at the start of the session and between tests: point them at
something disposable.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from db import migrate
from devstack import Stack, start_stack
from graph import Graph
from settings import Settings, get_settings

TEST_DATABASE = "shutter_test"
# Cheap hashing keeps hundreds of sign-ups fast; production keeps the strong defaults.
TEST_OVERRIDES = {
    "password_hash_time_cost": 1,
    "password_hash_memory_kib": 8192,
    "password_hash_parallelism": 1,
    "store_timeout_seconds": 5.0,
    # Every test shares one address and signs up hundreds of people: the limits' own tests
    # run servers with small ones.
    "sign_ups_per_address_per_hour": 1_000_000,
    "taken_checks_per_address_per_hour": 1_000_000,
    "rate_limit_address_burst": 10_000_000,
    "rate_limit_address_per_second": 1_000_000.0,
    "rate_limit_user_burst": 10_000_000,
    "rate_limit_user_per_second": 1_000_000.0,
    "refused_operations_per_minute": 1_000_000,
}


def external() -> bool:
    return os.environ.get("SHUTTER_TEST_EXTERNAL") == "1"


def start(data_dir: Path) -> tuple[Stack, Settings]:
    if external():
        base = Settings(secret_key=secrets.token_urlsafe(32), **TEST_OVERRIDES)  # type: ignore[arg-type]
    else:
        base = Settings(
            database_url=None,
            redis_url=None,
            graph_url=None,
            secret_key=secrets.token_urlsafe(32),
            **TEST_OVERRIDES,  # type: ignore[arg-type]
        )
    stack = start_stack(base, data_dir, database_name=TEST_DATABASE)
    os.environ.update(stack.env())
    for key, value in TEST_OVERRIDES.items():
        os.environ[f"SHUTTER_{key.upper()}"] = str(value)
    # Anything imported earlier may have read the environment before the stack existed.
    get_settings.cache_clear()
    settings = Settings(**TEST_OVERRIDES)  # type: ignore[arg-type]
    return stack, settings


async def _reset_database(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def prepare(settings: Settings) -> None:
    """A clean, migrated database at the start of the session."""
    asyncio.run(_reset_database(settings.require_database_url))
    migrate.upgrade(settings.require_database_url)


async def wipe(engine_url: str, redis: Redis, graph: Graph) -> None:
    """Empty every store between tests; the schema stays."""
    engine = create_async_engine(engine_url)
    async with engine.begin() as connection:
        tables = (
            (
                await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            )
            .scalars()
            .all()
        )
        if tables:
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    await redis.flushdb()
    await graph.write("MATCH (n) DETACH DELETE n")
