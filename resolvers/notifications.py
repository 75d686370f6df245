"""Notifications: the list, the unread count, marking read, post alerts, the live stream."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from schema.context import Info
from schema.errors import payload
from schema.notifications import (
    MarkNotificationsReadPayload,
    Notification,
    NotificationConnection,
    NotificationEdge,
    PostNotificationsPayload,
)
from schema.relay import PageInfo, encode_cursor, page_request, parse_global_id
from schema.users import User
from services import notifications
from services.errors import DomainError, ErrorCode, NotAuthenticated


async def notification_list(
    info: Info, first: int | None = None, after: str | None = None, unread_only: bool = False
) -> NotificationConnection:
    context = info.context
    viewer = context.require_viewer()
    request = page_request(context.stores.settings, first, after, cursor_arity=1)
    rows = await notifications.page(
        context.stores,
        viewer,
        unread_only=unread_only,
        before=request.after[0] if request.after else None,
        limit=request.first + 1,
    )
    window = rows[: request.first]
    shown = await notifications.shown(context.stores, viewer, window)
    edges = [
        NotificationEdge(cursor=encode_cursor(row.sort_key), node=Notification.from_shown(shown[row.id]))
        for row in window
        if row.id in shown
    ]
    return NotificationConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > request.first,
            has_previous_page=request.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            # Past hidden ones too, so the next page moves on.
            end_cursor=encode_cursor(window[-1].sort_key) if window else None,
        ),
    )


async def unread_notification_count(info: Info) -> int:
    return await notifications.unread_count(info.context.stores, info.context.require_viewer())


async def mark_notifications_read(
    info: Info, ids: list[strawberry.ID] | None = None, all: bool = False
) -> MarkNotificationsReadPayload:
    """Mark the given notifications read, or every one with ``all: true``."""
    viewer = info.context.require_viewer()
    if (ids is None) == (not all):
        raise DomainError(ErrorCode.INVALID_INPUT, "Give either ids or all: true.", "ids")
    chosen = None if all else [parse_global_id(nid, "Notification", "ids") for nid in ids or []]
    stores = info.context.stores
    marked = await notifications.mark_read(stores, viewer, chosen)
    return MarkNotificationsReadPayload(marked=marked, unread_count=await notifications.unread_count(stores, viewer))


async def set_post_notifications(info: Info, user_id: strawberry.ID, enabled: bool) -> PostNotificationsPayload:
    """Turn NEW_POST alerts for a followed account on or off."""
    viewer = info.context.require_viewer()

    async def work() -> PostNotificationsPayload:
        author_id = parse_global_id(user_id, "User", "userId")
        await notifications.set_post_alerts(info.context.stores, viewer, author_id, enabled)
        row = await info.context.loaders.user_by_id.load(author_id)
        return PostNotificationsPayload(user=User.from_row(row) if row else None, enabled=enabled)

    return await payload(work(), lambda done: done, PostNotificationsPayload)


async def live_notifications(info: Info) -> AsyncGenerator[Notification, None]:
    """Each new notification (or new actor on one) as it happens, until the token expires."""
    context = info.context
    viewer = context.require_viewer()
    hub = context.live
    if hub is None:
        raise DomainError(ErrorCode.NOT_ALLOWED, "Live notifications are not available here.")
    async with hub.subscription(viewer) as queue:
        while True:
            notification_id = await queue.get()
            context.reset_loaders()  # fresh data, and the token's expiry checked again
            if context.viewer_id != viewer:
                raise NotAuthenticated("The access token has expired.")
            shown = await notifications.one(context.stores, viewer, notification_id)
            if shown is not None:
                yield Notification.from_shown(shown)
