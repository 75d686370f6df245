"""Revoked sign-ins reach every API process: announced over Redis at once, and read from
PostgreSQL on an interval and at start, so a lost announcement costs only the interval."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from db import users as user_queries
from db.models import RefreshToken
from services import accounts, tokens
from services.live import LiveHub
from services.revocations import RevocationWatch
from services.stores import Stores

PASSWORD = "correct horse battery"


async def _family(stores: Stores, username: str) -> tuple[int, str]:
    session = await accounts.sign_up(
        stores, username=username, email=f"{username}@example.com", password=PASSWORD, full_name=""
    )
    return session.user.id, tokens.decode_access_token(stores.settings, session.access_token).family_id


async def _watching(stores: Stores) -> tuple[LiveHub, RevocationWatch]:
    hub = LiveHub(stores.redis)
    watch = RevocationWatch(stores, hub)
    await hub.start()
    await watch.start()
    return hub, watch


@pytest.fixture
async def watch(stores: Stores) -> AsyncIterator[RevocationWatch]:
    hub, watching = await _watching(stores)
    try:
        yield watching
    finally:
        await watching.stop()
        await hub.stop()


async def _heard(watch: RevocationWatch, family: str) -> bool:
    for _ in range(100):
        if family in watch.revoked:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_log_out_is_heard_at_once(stores: Stores, watch: RevocationWatch) -> None:
    user_id, family = await _family(stores, "ann")
    _, other = await _family(stores, "bob")
    assert family not in watch.revoked
    await accounts.log_out(stores, user_id, family_id=family, refresh_token=None, all_devices=False)
    assert await _heard(watch, family)
    assert other not in watch.revoked


async def test_a_lost_announcement_is_found_in_the_record(stores: Stores, watch: RevocationWatch) -> None:
    user_id, family = await _family(stores, "ann")
    async with stores.sessions.begin() as session:  # revoked with no announcement
        assert await user_queries.revoke_families(session, user_id=user_id) == [family]
    await asyncio.sleep(0.2)
    assert family not in watch.revoked
    assert await watch.read_record()
    assert family in watch.revoked
    # A process that starts later knows it from the start.
    hub, later = await _watching(stores)
    try:
        assert family in later.revoked
    finally:
        await later.stop()
        await hub.stop()


async def test_reading_again_keeps_what_was_heard_and_adds_nothing_new(stores: Stores, watch: RevocationWatch) -> None:
    user_id, family = await _family(stores, "ann")
    await accounts.log_out(stores, user_id, family_id=family, refresh_token=None, all_devices=True)
    assert await _heard(watch, family)
    assert await watch.read_record()
    assert await watch.read_record()
    assert family in watch.revoked and len(watch.revoked) == 1


async def test_a_log_out_waiting_on_a_refresh_also_ends_the_token_it_issued(stores: Stores) -> None:
    user_id, family = await _family(stores, "ann")
    # A refresh in flight: it holds the current token's row and has issued its successor.
    refreshing = stores.sessions.begin()
    session = await refreshing.__aenter__()
    [current] = (await session.scalars(select(RefreshToken).where(RefreshToken.user_id == user_id))).all()
    await user_queries.refresh_token_for_update(session, current.token_hash)
    current.used_at = dt.datetime.now(dt.UTC)
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family,
            token_hash=tokens.hash_refresh_token(tokens.new_refresh_token()),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        )
    )
    await session.flush()
    log_out = asyncio.create_task(
        accounts.log_out(stores, user_id, family_id=family, refresh_token=None, all_devices=False)
    )
    await asyncio.sleep(0.3)
    assert not log_out.done()  # waiting for the refresh's row lock
    await refreshing.__aexit__(None, None, None)
    await log_out
    async with stores.sessions() as reading:
        rows = (await reading.scalars(select(RefreshToken).where(RefreshToken.user_id == user_id))).all()
    assert len(rows) == 2 and all(row.revoked_at is not None for row in rows)
