"""Removing the stored bytes of deleted posts, after the post is already hidden.

Safe to repeat: it only touches media of deleted posts, and keeps bytes another media row
still uses (identical uploads share their objects).
"""

from __future__ import annotations

from db import media as media_queries
from db import posts as post_queries
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
            keys = [current.storage_key, *(str(v["key"]) for v in current.variants)]
            await session.delete(current)
        if not shared:
            await stores.media.delete_many(keys)
        removed += 1
    return removed
