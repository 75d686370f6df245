"""Queries over posts and their media. Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.arrays import id_array_param
from db.content import Audience, Media, Post, PostHashtag, PostMention
from db.models import User


async def post_by_idempotency_key(session: AsyncSession, author_id: int, key: str) -> Post | None:
    return await session.scalar(select(Post).where(Post.author_id == author_id, Post.idempotency_key == key))


# Hot reads: built once, values passed per execution.
_POSTS_BY_IDS = select(Post).where(Post.id == func.any(id_array_param("ids")))
_MEDIA_OF_POSTS = (
    select(Media).where(Media.post_id == func.any(id_array_param("ids"))).order_by(Media.post_id, Media.position)
)
_HASHTAGS_OF_POSTS = select(PostHashtag.post_id, PostHashtag.tag).where(
    PostHashtag.post_id == func.any(id_array_param("ids"))
)


async def posts_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Post]:
    rows = await session.scalars(_POSTS_BY_IDS, {"ids": list(ids)})
    return {row.id: row for row in rows}


async def media_for_update(session: AsyncSession, ids: Sequence[int]) -> dict[int, Media]:
    rows = await session.scalars(select(Media).where(Media.id.in_(ids)).with_for_update())
    return {row.id: row for row in rows}


async def media_of_posts(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, list[Media]]:
    rows = await session.scalars(_MEDIA_OF_POSTS, {"ids": list(post_ids)})
    found: dict[int, list[Media]] = {pid: [] for pid in post_ids}
    for row in rows:
        if row.post_id is not None:
            found[row.post_id].append(row)
    return found


async def user_ids_by_usernames(session: AsyncSession, usernames: Sequence[str]) -> list[int]:
    if not usernames:
        return []
    return list(await session.scalars(select(User.id).where(User.username.in_(usernames))))


async def hashtags_of_posts(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, list[str]]:
    rows = await session.execute(_HASHTAGS_OF_POSTS, {"ids": list(post_ids)})
    found: dict[int, list[str]] = {pid: [] for pid in post_ids}
    for post_id, tag in rows:
        found[post_id].append(tag)
    return found


async def replace_caption_links(
    session: AsyncSession, post_id: int, tags: Sequence[str], mentioned: Sequence[int]
) -> None:
    """Make the post's hashtag and mention rows match its caption."""
    await session.execute(delete(PostHashtag).where(PostHashtag.post_id == post_id))
    await session.execute(delete(PostMention).where(PostMention.post_id == post_id))
    session.add_all(PostHashtag(post_id=post_id, tag=tag) for tag in tags)
    session.add_all(PostMention(post_id=post_id, user_id=uid) for uid in mentioned)


async def author_posts(
    session: AsyncSession, author_id: int, audiences: Sequence[Audience], limit: int, before_id: int | None
) -> list[Post]:
    """Live posts of one author in the given audiences, newest first, older than ``before_id``."""
    query = select(Post).where(
        Post.author_id == author_id,
        Post.audience.in_(audiences),
        Post.deleted_at.is_(None),
        Post.hidden_at.is_(None),
    )
    if before_id is not None:
        query = query.where(Post.id < before_id)
    return list(await session.scalars(query.order_by(Post.id.desc()).limit(limit)))


async def post_counts(session: AsyncSession, author_ids: Sequence[int]) -> dict[int, dict[Audience, int]]:
    """Live posts per author and audience, in one query."""
    rows = await session.execute(
        select(Post.author_id, Post.audience, func.count())
        .where(Post.author_id.in_(author_ids), Post.deleted_at.is_(None), Post.hidden_at.is_(None))
        .group_by(Post.author_id, Post.audience)
    )
    found: dict[int, dict[Audience, int]] = {aid: {} for aid in author_ids}
    for author_id, audience, count in rows:
        found[author_id][audience] = int(count)
    return found
