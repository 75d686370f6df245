"""Likers page by (liked at, user) over the stored time: ties in one microsecond page exactly."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from db import engagement as queries
from db.content import Like
from services import engagement
from services.stores import Stores
from tests.integration import feedkit

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


async def test_likers_page_through_ties_without_gaps_or_repeats(stores: Stores) -> None:
    author, *fans = await feedkit.users(stores, "ann", "f1", "f2", "f3", "f4", "f5")
    post_id = await feedkit.post(stores, author)
    for fan in fans:
        await engagement.like_post(stores, fan, post_id)
    instant = dt.datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
    async with stores.sessions.begin() as session:  # three likes in one microsecond
        await session.execute(update(Like).where(Like.user_id.in_(fans[1:4])).values(created_at=instant))

    seen: list[tuple[int, int]] = []
    after = None
    async with stores.sessions() as session:
        whole = await queries.likers_page(session, post_id, 100, None)
        while page := await queries.likers_page(session, post_id, 2, after):
            seen += page
            after = (page[-1][1], page[-1][0])
    assert seen == whole and sorted(uid for uid, _ in seen) == sorted(fans)
    assert seen == sorted(seen, key=lambda item: (item[1], item[0]), reverse=True)
    micros = (instant - EPOCH) // dt.timedelta(microseconds=1)
    assert [uid for uid, at in seen if at == micros] == sorted(fans[1:4], reverse=True)


async def test_cursors_past_any_time_are_read_as_the_ends(stores: Stores) -> None:
    author, fan = await feedkit.users(stores, "ann", "fan")
    post_id = await feedkit.post(stores, author)
    await engagement.like_post(stores, fan, post_id)
    async with stores.sessions() as session:
        assert [uid for uid, _ in await queries.likers_page(session, post_id, 5, (2**63 - 1, 2**63 - 1))] == [fan]
        assert await queries.likers_page(session, post_id, 5, (-(2**63), 0)) == []
