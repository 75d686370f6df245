"""Notification types: what happened, who did it (the latest few and how many), about what."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from db.notifications import NotificationKind
from schema.context import Info
from schema.errors import UserError
from schema.posts import Comment, Post
from schema.relay import PageInfo
from schema.users import User
from services import post_access
from services.errors import DomainError
from services.notifications import Shown

NotificationKindEnum = strawberry.enum(NotificationKind, name="NotificationKind")


@strawberry.type(name="Notification", description="Something that happened to the viewer; similar ones are grouped.")
class Notification(relay.Node):
    id: relay.NodeID[int]
    kind: NotificationKindEnum  # type: ignore[valid-type]
    actor_count: int = strawberry.field(description="How many people it gathers (alice and 12 others).")
    read: bool
    updated_at: dt.datetime = strawberry.field(description="When its latest activity happened.")
    shown: strawberry.Private[Shown]

    @classmethod
    def from_shown(cls, shown: Shown) -> Notification:
        row = shown.notification
        return cls(
            id=row.id,
            kind=row.kind,
            actor_count=shown.actor_count,
            read=row.read_at is not None,
            updated_at=row.updated_at,
            shown=shown,
        )

    @strawberry.field(description="The latest people behind it, newest first (up to three).")
    async def actors(self, info: Info) -> list[User]:
        rows = await info.context.loaders.user_by_id.load_many(self.shown.actor_ids)
        return [User.from_row(row) for row in rows if row is not None]

    @strawberry.field
    async def post(self, info: Info) -> Post | None:
        post_id = self.shown.notification.post_id
        if post_id is None:
            return None
        try:
            return Post.from_row(await post_access.visible_post(info.context.stores, info.context.viewer_id, post_id))
        except DomainError:
            return None

    @strawberry.field
    async def comment(self, info: Info) -> Comment | None:
        comment_id = self.shown.notification.comment_id
        if comment_id is None:
            return None
        found = await post_access.visible_comment(info.context.stores, info.context.viewer_id, comment_id)
        return Comment.from_row(found[0]) if found else None


@strawberry.type
class NotificationEdge:
    cursor: str
    node: Notification


@strawberry.type
class NotificationConnection:
    edges: list[NotificationEdge]
    page_info: PageInfo


@strawberry.type
class MarkNotificationsReadPayload:
    marked: int
    unread_count: int


@strawberry.type
class PostNotificationsPayload:
    user: User | None = None
    enabled: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)
