"""Notifications, the actors behind each, and post alerts. Queries take a session and never commit.

A notification is one row per recipient and group (``group_key``): likes on one post, the
day's new followers, or a single event for kinds that are not grouped. Each actor behind it
is a row of its own, so undoing an action takes exactly that actor out, and the count and
the latest actors are read from those rows.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

from sqlalchemy import BigInteger, DateTime, Enum, ForeignKey, Index, String, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from db.models import NEXT_ID, Base, now_column


class NotificationKind(enum.StrEnum):
    FOLLOW = "FOLLOW"
    FOLLOW_REQUEST = "FOLLOW_REQUEST"
    FOLLOW_ACCEPTED = "FOLLOW_ACCEPTED"
    LIKE = "LIKE"
    COMMENT = "COMMENT"
    REPLY = "REPLY"
    MENTION = "MENTION"
    NEW_POST = "NEW_POST"


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default=NEXT_ID)
    recipient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[NotificationKind] = mapped_column(Enum(NotificationKind, name="notification_kind"), nullable=False)
    group_key: Mapped[str] = mapped_column(String(200), nullable=False)
    post_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("comments.id", ondelete="CASCADE"))
    # Time-ordered; renewed whenever a new actor joins, so the newest activity lists first.
    sort_key: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=NEXT_ID)
    created_at: Mapped[dt.datetime] = now_column()
    updated_at: Mapped[dt.datetime] = now_column()
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_notifications_recipient_group", "recipient_id", "group_key", unique=True),
        Index("ix_notifications_recipient_id_sort_key", "recipient_id", "sort_key"),
        Index("ix_notifications_unread", "recipient_id", postgresql_where=text("read_at IS NULL")),
        Index("ix_notifications_post_id", "post_id"),
        Index("ix_notifications_comment_id", "comment_id", postgresql_where=text("comment_id IS NOT NULL")),
    )


class NotificationActor(Base):
    __tablename__ = "notification_actors"

    notification_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    acted_at: Mapped[dt.datetime] = now_column()


class PostAlert(Base):
    """``user_id`` wants a NEW_POST notification for each post by ``author_id``."""

    __tablename__ = "post_alerts"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    author_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = now_column()


async def add_actor(
    session: AsyncSession,
    *,
    recipient_id: int,
    kind: NotificationKind,
    group_key: str,
    actor_id: int,
    post_id: int | None,
    comment_id: int | None,
) -> int | None:
    """Put ``actor_id`` behind the recipient's notification of that group, making it if
    needed; a new actor brings the notification back to the top, unread. Returns its id
    when something changed, None when the actor was already there."""
    notification_id = await session.scalar(
        insert(Notification)
        .values(recipient_id=recipient_id, kind=kind, group_key=group_key, post_id=post_id, comment_id=comment_id)
        .on_conflict_do_update(index_elements=["recipient_id", "group_key"], set_={"updated_at": func.now()})
        .returning(Notification.id)
    )
    assert notification_id is not None
    added = await session.execute(
        insert(NotificationActor)
        .values(notification_id=notification_id, actor_id=actor_id)
        .on_conflict_do_nothing()
        .returning(NotificationActor.actor_id)
    )
    if added.first() is None:
        return None
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(sort_key=NEXT_ID, read_at=None, updated_at=func.now(), comment_id=comment_id)
    )
    return int(notification_id)


async def remove_actor(session: AsyncSession, *, recipient_id: int, group_key: str, actor_id: int) -> bool:
    """Take the actor out; a notification left without actors goes. True if anything changed."""
    notification_id = await session.scalar(
        select(Notification.id)
        .where(Notification.recipient_id == recipient_id, Notification.group_key == group_key)
        .with_for_update()
    )
    if notification_id is None:
        return False
    removed = await session.execute(
        delete(NotificationActor)
        .where(NotificationActor.notification_id == notification_id, NotificationActor.actor_id == actor_id)
        .returning(NotificationActor.actor_id)
    )
    if removed.first() is None:
        return False
    left = await session.scalar(select(func.count()).where(NotificationActor.notification_id == notification_id))
    if not left:
        await session.execute(delete(Notification).where(Notification.id == notification_id))
    return True


async def remove_actor_everywhere(session: AsyncSession, recipient_id: int, actor_id: int) -> None:
    """After a block: nothing from ``actor_id`` stays in the recipient's notifications."""
    ids = select(Notification.id).where(Notification.recipient_id == recipient_id)
    await session.execute(
        delete(NotificationActor).where(
            NotificationActor.actor_id == actor_id, NotificationActor.notification_id.in_(ids)
        )
    )
    await _drop_empty(session, recipient_id)


async def _drop_empty(session: AsyncSession, recipient_id: int) -> None:
    await session.execute(
        delete(Notification).where(
            Notification.recipient_id == recipient_id,
            ~select(NotificationActor.actor_id).where(NotificationActor.notification_id == Notification.id).exists(),
        )
    )


async def delete_for_post(session: AsyncSession, post_id: int) -> list[int]:
    """Every notification about a post (it was deleted); returns whose they were."""
    rows = await session.scalars(
        delete(Notification).where(Notification.post_id == post_id).returning(Notification.recipient_id)
    )
    return sorted(set(rows))


async def page(
    session: AsyncSession, recipient_id: int, *, unread_only: bool, before: int | None, limit: int
) -> list[Notification]:
    query = select(Notification).where(Notification.recipient_id == recipient_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before is not None:
        query = query.where(Notification.sort_key < before)
    return list(await session.scalars(query.order_by(Notification.sort_key.desc()).limit(limit)))


async def by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Notification]:
    rows = await session.scalars(select(Notification).where(Notification.id.in_(ids)))
    return {row.id: row for row in rows}


async def actors(session: AsyncSession, notification_ids: Sequence[int]) -> dict[int, list[int]]:
    """Actor ids behind each notification, latest first."""
    rows = await session.execute(
        select(NotificationActor.notification_id, NotificationActor.actor_id)
        .where(NotificationActor.notification_id.in_(notification_ids))
        .order_by(NotificationActor.notification_id, NotificationActor.acted_at.desc(), NotificationActor.actor_id)
    )
    found: dict[int, list[int]] = {nid: [] for nid in notification_ids}
    for notification_id, actor_id in rows:
        found[notification_id].append(actor_id)
    return found


async def unread_count(session: AsyncSession, recipient_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(Notification.recipient_id == recipient_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(session: AsyncSession, recipient_id: int, ids: Sequence[int] | None) -> int:
    query = update(Notification).where(Notification.recipient_id == recipient_id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    result = await session.execute(query.values(read_at=func.now()).returning(Notification.id))
    return len(result.all())


async def alert_subscribers(session: AsyncSession, author_id: int) -> list[int]:
    return list(await session.scalars(select(PostAlert.user_id).where(PostAlert.author_id == author_id)))


async def has_alert(session: AsyncSession, user_id: int, author_id: int) -> bool:
    found = await session.scalar(
        select(PostAlert.user_id).where(PostAlert.user_id == user_id, PostAlert.author_id == author_id)
    )
    return found is not None


async def set_alert(session: AsyncSession, user_id: int, author_id: int, enabled: bool) -> None:
    if enabled:
        await session.execute(insert(PostAlert).values(user_id=user_id, author_id=author_id).on_conflict_do_nothing())
    else:
        await session.execute(delete(PostAlert).where(PostAlert.user_id == user_id, PostAlert.author_id == author_id))
