"""What a post's insights read from PostgreSQL: totals, and activity per UTC day. Each runs
once for however many posts are asked about. Queries take a session and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from db.content import Comment, Like, Post
from db.saves import Save
from db.views import PostViewDay, PostViews

VIEWS, LIKES, COMMENTS, SAVES = "views", "likes", "comments", "saves"


@dataclass(frozen=True, slots=True)
class Totals:
    views: int  # folded so far; Redis holds the rest
    likes: int
    comments: int
    saves: int
    reach_sketch: bytes | None


async def totals(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, Totals]:
    saves = select(func.count()).select_from(Save).where(Save.post_id == Post.id).correlate(Post).scalar_subquery()
    rows = await session.execute(
        select(
            Post.id,
            func.coalesce(PostViews.views, 0),
            Post.like_count,
            Post.comment_count,
            saves,
            PostViews.reach_sketch,
        )
        .outerjoin(PostViews, PostViews.post_id == Post.id)
        .where(Post.id.in_(post_ids))
    )
    return {
        pid: Totals(int(views), likes, comments, int(saved), bytes(sketch) if sketch is not None else None)
        for pid, views, likes, comments, saved, sketch in rows
    }


def _utc_day(moment: ColumnElement[dt.datetime]) -> ColumnElement[dt.date]:
    return cast(func.timezone("UTC", moment), Date)


def _per_day(kind: str, post_id: Any, created_at: Any, post_ids: Sequence[int], since: dt.datetime) -> Select[Any]:
    day = _utc_day(created_at)
    return (
        select(literal(kind).label("kind"), post_id, day, func.count())
        .where(post_id.in_(post_ids), created_at >= since)
        .group_by(post_id, day)
    )


async def daily(
    session: AsyncSession, post_ids: Sequence[int], since: dt.date
) -> dict[int, dict[dt.date, dict[str, int]]]:
    """Views, likes, comments and saves per post and UTC day from ``since`` on, in one query:
    ``{post: {day: {kind: n}}}`` with only the days that saw any."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    views = select(literal(VIEWS).label("kind"), PostViewDay.post_id, PostViewDay.day, PostViewDay.views).where(
        PostViewDay.post_id.in_(post_ids), PostViewDay.day >= since
    )
    likes = _per_day(LIKES, Like.post_id, Like.created_at, post_ids, start)
    comments = _per_day(COMMENTS, Comment.post_id, Comment.created_at, post_ids, start).where(
        Comment.deleted_at.is_(None)
    )
    saves = _per_day(SAVES, Save.post_id, Save.created_at, post_ids, start)
    rows: Sequence[Any] = (await session.execute(union_all(views, likes, comments, saves))).all()
    found: dict[int, dict[dt.date, dict[str, int]]] = {pid: {} for pid in post_ids}
    for kind, post_id, day, count in rows:
        found[post_id].setdefault(day, {})[kind] = int(count)
    return found
