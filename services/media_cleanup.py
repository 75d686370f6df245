"""Removing the stored bytes of deleted posts, after the post is already hidden, and of
uploads that were abandoned.

Safe to repeat: it only touches media of deleted posts or abandoned ones, and keeps bytes
another media row still uses (identical uploads share their objects).
"""

from __future__ import annotations

import datetime as dt

from db import media as media_queries
from db import posts as post_queries
from db.content import Media
from services import uploads
from services.stores import Stores


async def purge_deleted_post(stores: Stores, post_id: int) -> int:
    """Delete the media of a deleted post and their bytes; returns how many media went."""
    async with stores.sessions() as session:
        post = (await post_queries.posts_by_ids(session, [post_id])).get(post_id)
        if post is None or post.deleted_at is None:
            return 0
        media = (await post_queries.media_of_posts(session, [post_id]))[post_id]
    removed = 0
    for row in media:
        async with stores.sessions.begin() as session:
            current = await media_queries.media_for_update(session, row.id)
            if current is None:
                continue
            shared = await media_queries.key_users(session, current.storage_key, excluding=current.id)
            keys = _listed_keys(current)
            await session.delete(current)
        if not shared:
            await stores.media.delete_many(await _every_key(stores, current.storage_key, keys))
        removed += 1
    return removed


def _listed_keys(media: Media) -> list[str]:
    return [media.storage_key, *(str(v["key"]) for v in media.variants)]


async def _every_key(stores: Stores, storage_key: str, listed: list[str]) -> list[str]:
    """The listed keys and, for an upload laid out as ``original_key`` lays it out, everything
    else in its folder: what a processing run that failed midway wrote, for one. The folder is
    the owner's and the bytes' own, so nothing else lives there."""
    folder, _, name = storage_key.rpartition("/")
    if name != uploads.ORIGINAL or not uploads.is_upload_folder(folder):
        return listed
    return sorted({*listed, *await stores.media.keys_under(folder + "/")})


SWEEP_BATCH = 100


async def sweep_abandoned(stores: Stores) -> int:
    """Remove a batch of abandoned media: uploads never completed and media that failed
    processing, once ``upload_abandoned_after_seconds`` older than their upload URLs, with
    their bytes (unless another media row shares them) and any unfinished multipart upload.
    Returns how many went. The rows stay locked until their bytes are gone, so a store
    failure leaves them for the next sweep."""
    settings = stores.settings
    age = dt.timedelta(seconds=settings.upload_url_ttl_seconds + settings.upload_abandoned_after_seconds)
    async with stores.sessions.begin() as session:
        rows = await media_queries.abandoned_for_update(session, dt.datetime.now(dt.UTC) - age, SWEEP_BATCH)
        if not rows:
            return 0
        ids = [row.id for row in rows]
        originals = sorted({row.storage_key for row in rows})
        in_use = await media_queries.keys_in_use(session, originals, excluding=ids)
        for row in rows:
            if row.upload_id is not None:
                await stores.media.abort_multipart(row.storage_key, row.upload_id)
        doomed: set[str] = set()
        for row in rows:
            if row.storage_key not in in_use:
                doomed.update(await _every_key(stores, row.storage_key, _listed_keys(row)))
        await stores.media.delete_many(sorted(doomed))
        for row in rows:
            await session.delete(row)
    return len(rows)
