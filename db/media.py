"""Queries over media rows. Functions take a session and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.content import UNFINISHED_MEDIA, Media, MediaStatus


async def media_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Media]:
    rows = await session.scalars(select(Media).where(Media.id.in_(ids)))
    return {row.id: row for row in rows}


async def media_for_update(session: AsyncSession, media_id: int) -> Media | None:
    return await session.scalar(select(Media).where(Media.id == media_id).with_for_update())


async def processed_twin(session: AsyncSession, owner_id: int, sha256: str) -> Media | None:
    """An earlier upload of the same bytes by the same owner, already processed."""
    return await session.scalar(
        select(Media)
        .where(Media.owner_id == owner_id, Media.sha256 == sha256, Media.status == MediaStatus.READY)
        .order_by(Media.id)
        .limit(1)
        # Shared with a purge deciding whether these bytes are still used: one waits for the other.
        .with_for_update(read=True)
    )


async def abandoned_for_update(session: AsyncSession, made_before: dt.datetime, limit: int) -> list[Media]:
    """Uploads never completed and media that failed processing, made before ``made_before``,
    oldest first; rows another transaction holds are skipped."""
    rows = await session.scalars(
        select(Media)
        .where(text(UNFINISHED_MEDIA), Media.created_at < made_before)
        .order_by(Media.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def keys_in_use(session: AsyncSession, keys: Sequence[str], *, excluding: Sequence[int]) -> set[str]:
    """Which of the storage keys a media row other than ``excluding`` still uses."""
    rows = await session.scalars(
        select(Media.storage_key).where(Media.storage_key.in_(keys), Media.id.not_in(excluding)).distinct()
    )
    return set(rows)


async def key_users(session: AsyncSession, storage_key: str, *, excluding: int) -> int:
    """How many other live rows still use the stored bytes under ``storage_key``."""
    count = await session.scalar(
        select(func.count()).select_from(Media).where(Media.storage_key == storage_key, Media.id != excluding)
    )
    return int(count or 0)
