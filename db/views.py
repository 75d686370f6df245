"""Post views as folded from Redis: totals, views per day, the reach sketch, and the ids of
the batches already folded (what makes a repeated fold add nothing). Queries take a session
and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import BigInteger, Date, ForeignKey, Index, LargeBinary, String, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from db.arrays import among
from db.content import Post
from db.models import Base, now_column


class PostViews(Base):
    __tablename__ = "post_views"

    post_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    views: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # The post's HyperLogLog of viewers as Redis stores it, so reach outlives a Redis loss.
    reach_sketch: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class PostViewDay(Base):
    __tablename__ = "post_view_days"

    post_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # UTC
    views: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")


class FoldedViewBatch(Base):
    __tablename__ = "view_batches_folded"

    batch_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    folded_at: Mapped[dt.datetime] = now_column()

    __table_args__ = (Index("ix_view_batches_folded_folded_at", "folded_at"),)


async def claim_batches(session: AsyncSession, batch_ids: Collection[str]) -> set[str]:
    """Record the batches as folded; returns those not folded before. A concurrent fold of
    the same batch waits on the key and then finds it taken."""
    if not batch_ids:
        return set()
    rows = await session.scalars(
        insert(FoldedViewBatch)
        .values([{"batch_id": batch_id} for batch_id in sorted(batch_ids)])
        .on_conflict_do_nothing()
        .returning(FoldedViewBatch.batch_id)
    )
    return set(rows)


async def lock_posts(session: AsyncSession, post_ids: Collection[int]) -> set[int]:
    """Those of ``post_ids`` that still exist, kept from being removed until commit."""
    if not post_ids:
        return set()
    rows = await session.scalars(
        select(Post.id).where(Post.id.in_(sorted(post_ids))).order_by(Post.id).with_for_update(key_share=True)
    )
    return set(rows)


async def add_views(
    session: AsyncSession,
    totals: Mapping[int, int],
    days: Mapping[tuple[int, dt.date], int],
    sketches: Mapping[int, bytes],
) -> None:
    """Add views to each post's total and day, and replace reach sketches; rows in key order,
    so concurrent folds lock them in the same order."""
    if totals or sketches:
        rows = [
            {"post_id": pid, "views": totals.get(pid, 0), "reach_sketch": sketches.get(pid)}
            for pid in sorted(set(totals) | set(sketches))
        ]
        statement = insert(PostViews).values(rows)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[PostViews.post_id],
                set_={
                    "views": PostViews.views + statement.excluded.views,
                    "reach_sketch": func.coalesce(statement.excluded.reach_sketch, PostViews.reach_sketch),
                },
            )
        )
    if days:
        day_rows = [{"post_id": pid, "day": day, "views": n} for (pid, day), n in sorted(days.items())]
        day_statement = insert(PostViewDay).values(day_rows)
        await session.execute(
            day_statement.on_conflict_do_update(
                index_elements=[PostViewDay.post_id, PostViewDay.day],
                set_={"views": PostViewDay.views + day_statement.excluded.views},
            )
        )


async def forget_folded(session: AsyncSession, before: dt.datetime) -> None:
    """Drop batch ids folded before ``before``: long past any retry of theirs."""
    await session.execute(delete(FoldedViewBatch).where(FoldedViewBatch.folded_at < before))


async def folded_counts(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(select(PostViews.post_id, PostViews.views).where(among(PostViews.post_id, post_ids)))
    return {post_id: int(views) for post_id, views in rows}


async def reach_sketches(session: AsyncSession, post_ids: Collection[int]) -> dict[int, bytes]:
    if not post_ids:
        return {}
    rows = await session.execute(
        select(PostViews.post_id, PostViews.reach_sketch).where(
            PostViews.post_id.in_(sorted(post_ids)), PostViews.reach_sketch.is_not(None)
        )
    )
    return {post_id: bytes(sketch) for post_id, sketch in rows if sketch is not None}
