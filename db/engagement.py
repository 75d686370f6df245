"""Queries over likes and comments. Functions take a session and never commit."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.arrays import among, id_array_param
from db.content import Comment, Like, Post
from db.moderation import HiddenWord


async def add_like(session: AsyncSession, post_id: int, user_id: int) -> bool:
    """Record the like and count it; False when it was there already."""
    inserted = await session.scalar(
        insert(Like).values(post_id=post_id, user_id=user_id).on_conflict_do_nothing().returning(Like.post_id)
    )
    if inserted is None:
        return False
    await session.execute(update(Post).where(Post.id == post_id).values(like_count=Post.like_count + 1))
    return True


async def remove_like(session: AsyncSession, post_id: int, user_id: int) -> bool:
    removed = await session.scalar(
        delete(Like).where(Like.post_id == post_id, Like.user_id == user_id).returning(Like.post_id)
    )
    if removed is None:
        return False
    await session.execute(update(Post).where(Post.id == post_id).values(like_count=Post.like_count - 1))
    return True


_LIKED_POST_IDS = select(Like.post_id).where(
    Like.user_id == bindparam("user_id"), Like.post_id == func.any(id_array_param("ids"))
)


async def liked_post_ids(session: AsyncSession, user_id: int, post_ids: Sequence[int]) -> set[int]:
    rows = await session.scalars(_LIKED_POST_IDS, {"user_id": user_id, "ids": list(post_ids)})
    return set(rows)


async def likers_page(
    session: AsyncSession, post_id: int, limit: int, after: tuple[int, int] | None
) -> list[tuple[int, int]]:
    """(user id, liked at in µs) newest first, strictly after the (time, user) cursor. Ordered by
    the stored time itself, so the (post_id, created_at) index walks the page; PostgreSQL keeps
    microseconds, so the cursor's µs name one instant exactly."""
    query = select(Like.user_id, Like.created_at).where(Like.post_id == post_id)
    if after is not None:
        # A cursor names any 64-bit number; past the datetime range it means "after all of them".
        at = _EPOCH + dt.timedelta(microseconds=min(max(after[0], 0), _LATEST_MICROS))
        query = query.where(Like.created_at <= at, or_(Like.created_at < at, Like.user_id < after[1]))
    rows = await session.execute(query.order_by(Like.created_at.desc(), Like.user_id.desc()).limit(limit))
    return [(int(uid), (at - _EPOCH) // _MICROSECOND) for uid, at in rows]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_LATEST_MICROS = (dt.datetime.max.replace(tzinfo=dt.UTC) - _EPOCH) // _MICROSECOND


async def comments_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Comment]:
    rows = await session.scalars(select(Comment).where(among(Comment.id, ids)))
    return {row.id: row for row in rows}


def _holds_hidden_word() -> ColumnElement[bool]:
    """The comment's text holds one of the post author's hidden words (by its stored pattern)."""
    return exists().where(
        Post.id == Comment.post_id,
        HiddenWord.user_id == Post.author_id,
        Comment.text.regexp_match(HiddenWord.pattern, "i"),
    )


def shown_comment(viewer_id: int | None) -> ColumnElement[bool]:
    """Not hidden by moderation and free of the post author's hidden words, unless the viewer
    wrote it."""
    shown = and_(Comment.hidden_at.is_(None), ~_holds_hidden_word())
    return shown if viewer_id is None else or_(Comment.author_id == viewer_id, shown)


async def comments_with_word_flags(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[Comment, bool]]:
    """These comments, each with whether it holds a hidden word of its post's author."""
    rows = await session.execute(select(Comment, _holds_hidden_word()).where(among(Comment.id, ids)))
    return {comment.id: (comment, bool(worded)) for comment, worded in rows}


async def comments_page(
    session: AsyncSession,
    post_id: int,
    parent_id: int | None,
    limit: int,
    after: int | None,
    *,
    shown_only: bool = False,
    viewer_id: int | None = None,
) -> list[Comment]:
    """Live comments oldest first: top-level ones, or the replies to ``parent_id``. With
    ``shown_only``, only those ``viewer_id`` (None: anonymous) may see by ``shown_comment``."""
    parent = Comment.parent_id.is_(None) if parent_id is None else Comment.parent_id == parent_id
    query = select(Comment).where(Comment.post_id == post_id, parent, Comment.deleted_at.is_(None))
    if shown_only:
        query = query.where(shown_comment(viewer_id))
    if after is not None:
        query = query.where(Comment.id > after)
    return list(await session.scalars(query.order_by(Comment.id).limit(limit)))


@functools.cache
def _first_comments_statement() -> Select[Comment]:
    ranked = (
        select(Comment, func.row_number().over(partition_by=Comment.post_id, order_by=Comment.id).label("rank"))
        .where(
            Comment.post_id == func.any(id_array_param("ids")),
            Comment.parent_id.is_(None),
            Comment.deleted_at.is_(None),
            shown_comment(None),
        )
        .subquery()
    )
    comment = aliased(Comment, ranked)
    return select(comment).where(ranked.c.rank <= bindparam("per_post")).order_by(comment.id)


async def first_comments(session: AsyncSession, post_ids: Sequence[int], per_post: int) -> dict[int, list[Comment]]:
    """The first ``per_post`` live top-level comments of each post, in one query. Hidden ones
    are left out for everyone, their authors included: previews are shared by every viewer."""
    rows = await session.scalars(_first_comments_statement(), {"ids": list(post_ids), "per_post": per_post})
    found: dict[int, list[Comment]] = {pid: [] for pid in post_ids}
    for row in rows:
        found[row.post_id].append(row)
    return found


async def lock_live_comment(session: AsyncSession, comment_id: int) -> bool:
    """Lock a comment row for the rest of the transaction; False if it is gone or deleted."""
    found = await session.scalar(
        select(Comment.id).where(Comment.id == comment_id, Comment.deleted_at.is_(None)).with_for_update()
    )
    return found is not None


async def soft_delete_comment(session: AsyncSession, comment_id: int, now: dt.datetime) -> None:
    """Delete a (locked, live) comment with its replies, keeping the counts exact."""
    comment = (await comments_by_ids(session, [comment_id]))[comment_id]
    removed = 1
    if comment.parent_id is None:
        replies = await session.scalars(
            update(Comment)
            .where(Comment.parent_id == comment.id, Comment.deleted_at.is_(None))
            .values(deleted_at=now)
            .returning(Comment.id)
        )
        removed += len(list(replies))
    else:
        await session.execute(
            update(Comment).where(Comment.id == comment.parent_id).values(reply_count=Comment.reply_count - 1)
        )
    comment.deleted_at = now
    await session.execute(
        update(Post).where(Post.id == comment.post_id).values(comment_count=Post.comment_count - removed)
    )


async def count_new_comment(session: AsyncSession, post_id: int, parent_id: int | None) -> None:
    await session.execute(update(Post).where(Post.id == post_id).values(comment_count=Post.comment_count + 1))
    if parent_id is not None:
        await session.execute(
            update(Comment).where(Comment.id == parent_id).values(reply_count=Comment.reply_count + 1)
        )


async def has_shown_comment(session: AsyncSession, post_id: int, author_id: int, *, parent_id: int | None) -> bool:
    """Whether the author has a live top-level comment on the post (or reply to ``parent_id``)
    that others may see: neither hidden by moderation nor holding the post author's hidden words."""
    parent = Comment.parent_id.is_(None) if parent_id is None else Comment.parent_id == parent_id
    found = await session.scalar(
        select(Comment.id)
        .where(
            Comment.post_id == post_id,
            Comment.author_id == author_id,
            parent,
            Comment.deleted_at.is_(None),
            shown_comment(None),
        )
        .limit(1)
    )
    return found is not None
