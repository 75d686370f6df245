"""The outbox: side effects recorded in the same transaction as the write that causes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from db.models import NEXT_ID, Base, now_column


class OutboxEvent(Base):
    """One job to run because a write committed. Done only when the job has succeeded."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    queue: Mapped[str] = mapped_column(String(64), nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    args: Mapped[list[Any]] = mapped_column(JSONB, nullable=False, server_default="[]")
    created_at: Mapped[dt.datetime] = now_column()
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # The relay scans only what is not done yet.
        Index("ix_outbox_pending", "enqueued_at", postgresql_where=text("done_at IS NULL")),
    )


async def backlog(session: AsyncSession) -> int:
    """Rows whose job has not succeeded yet."""
    count = await session.scalar(select(func.count()).where(OutboxEvent.done_at.is_(None)))
    return int(count or 0)
