"""Revoked sign-ins reach every API process: announced over Redis at once, and read from
PostgreSQL on an interval and at start, so a lost announcement costs only the interval."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from db import users as user_queries
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
