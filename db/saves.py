"""Saved posts: each user's private collection. Queries take a session and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import BigInteger, ForeignKey, Index, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from db.arrays import among
from db.content import Post
from db.models import Base, User, now_column
from db.search import Viewpoint


class Save(Base):
    __tablename__ = "saves"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = now_column()

    __table_args__ = (
        # savedPosts walks this backwards: newest save first.
        Index("ix_saves_user_id_created_at", "user_id", "created_at", "post_id"),
        # Insights count a post's saves, in total and per day.
        Index("ix_saves_post_id_created_at", "post_id", "created_at"),
    )


async def add_save(session: AsyncSession, user_id: int, post_id: int) -> bool:
    """Save the post; False when it was saved already."""
    inserted = await session.scalar(
        insert(Save).values(user_id=user_id, post_id=post_id).on_conflict_do_nothing().returning(Save.post_id)
    )
    return inserted is not None


async def remove_save(session: AsyncSession, user_id: int, post_id: int) -> bool:
    removed = await session.scalar(
        delete(Save).where(Save.user_id == user_id, Save.post_id == post_id).returning(Save.post_id)
    )
    return removed is not None


async def saved_post_ids(session: AsyncSession, user_id: int, post_ids: Sequence[int]) -> set[int]:
    rows = await session.scalars(select(Save.post_id).where(Save.user_id == user_id, among(Save.post_id, post_ids)))
    return set(rows)


async def saved_posts(
    session: AsyncSession, viewpoint: Viewpoint, limit: int, after: tuple[dt.datetime, int] | None
) -> list[tuple[Post, User, dt.datetime]]:
    """(post, author, saved at) of the viewer's saves that the viewer may still see, newest
    save first, strictly after the (saved at, post id) cursor ``after``."""
    assert viewpoint.viewer_id is not None
    statement = (
        select(Post, User, Save.created_at)
        .select_from(Save)
        .join(Post, Post.id == Save.post_id)
        .join(User, User.id == Post.author_id)
        .where(Save.user_id == viewpoint.viewer_id, *viewpoint.shown())
    )
    if after is not None:
        statement = statement.where(tuple_(Save.created_at, Save.post_id) < tuple_(*after))
    rows = await session.execute(statement.order_by(Save.created_at.desc(), Save.post_id.desc()).limit(limit))
    return [(post, author, saved_at) for post, author, saved_at in rows]
