"""Jobs run on a real Dramatiq worker consuming from the Redis broker."""

from __future__ import annotations

import asyncio
import datetime as dt

import dramatiq
from sqlalchemy import func, select

from db.models import RefreshToken
from jobs import names, queue
from jobs.broker import configure_broker
from services import accounts
from services.stores import Stores


async def test_prune_refresh_tokens_drops_only_expired_ones(stores: Stores, worker: dramatiq.Worker) -> None:
    session = await accounts.sign_up(
        stores, username="pruned", email="p@example.com", password="long-enough-pw", full_name=""
    )
    async with stores.sessions.begin() as db:
        db.add(
            RefreshToken(
                user_id=session.user.id,
                family_id="old",
                token_hash="0" * 64,
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
            )
        )
    assert await queue.enqueue(names.MAINTENANCE, "prune_refresh_tokens", session.user.id)
    broker = configure_broker()
    await asyncio.to_thread(broker.join, names.MAINTENANCE, timeout=20_000)
    await asyncio.to_thread(worker.join)
    async with stores.sessions() as db:
        families = list(await db.scalars(select(RefreshToken.family_id).where(RefreshToken.user_id == session.user.id)))
        remaining = await db.scalar(select(func.count()).select_from(RefreshToken))
    assert "old" not in families
    assert remaining == 1


async def test_running_the_job_twice_is_harmless(stores: Stores, worker: dramatiq.Worker) -> None:
    session = await accounts.sign_up(
        stores, username="twice", email="t@example.com", password="long-enough-pw", full_name=""
    )
    for _ in range(2):
        assert await queue.enqueue(names.MAINTENANCE, "prune_refresh_tokens", session.user.id)
    await asyncio.to_thread(configure_broker().join, names.MAINTENANCE, timeout=20_000)
    async with stores.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(RefreshToken)) == 1
