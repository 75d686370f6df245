"""Reading notifications, marking them read, and post alerts (the requests' side)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db import notifications as queries
from db import posts as post_queries
from db import users as user_queries
from db.notifications import Notification
from graph import social as graph_social
from services import privacy
from services.errors import DomainError, ErrorCode
from services.stores import Stores

LATEST_ACTORS = 3


@dataclass(frozen=True, slots=True)
class Shown:
    """A notification as its recipient sees it: ``actor_ids`` newest first, blocked or
    suspended actors already left out, ``actor_count`` counting only those shown."""

    notification: Notification
    actor_ids: list[int]
    actor_count: int


async def shown(stores: Stores, viewer_id: int, rows: Sequence[Notification]) -> dict[int, Shown]:
    """Those of ``rows`` the viewer may still see: a post it may see (if any) and at least
    one actor who is neither suspended nor on either side of a block with the viewer."""
    if not rows:
        return {}
    post_ids = [row.post_id for row in rows if row.post_id is not None]
    async with stores.sessions() as session:
        actors = await queries.actors(session, [row.id for row in rows])
        posts = await post_queries.posts_by_ids(session, post_ids) if post_ids else {}
        people_ids = {aid for ids in actors.values() for aid in ids} | {post.author_id for post in posts.values()}
        people = await user_queries.by_ids(session, list(people_ids))
    others = [uid for uid in people_ids if uid != viewer_id]
    relationships = await graph_social.relationships(stores.graph, viewer_id, others) if others else {}
    found: dict[int, Shown] = {}
    for row in rows:
        if row.post_id is not None:
            post = posts.get(row.post_id)
            author = people.get(post.author_id) if post else None
            seen = relationships.get(post.author_id, privacy.NO_RELATIONSHIP) if post else privacy.NO_RELATIONSHIP
            if post is None or author is None or not privacy.can_view_post(viewer_id, post, author, seen):
                continue
        visible = [
            aid
            for aid in actors[row.id]
            if aid in people
            and privacy.can_view_profile(viewer_id, people[aid], relationships.get(aid, privacy.NO_RELATIONSHIP))
        ]
        if visible:
            found[row.id] = Shown(row, visible[:LATEST_ACTORS], len(visible))
    return found


async def page(
    stores: Stores, viewer_id: int, *, unread_only: bool, before: int | None, limit: int
) -> list[Notification]:
    """Newest activity first; pass the rows through ``shown`` before showing them."""
    async with stores.sessions() as session:
        return await queries.page(session, viewer_id, unread_only=unread_only, before=before, limit=limit)


async def one(stores: Stores, viewer_id: int, notification_id: int) -> Shown | None:
    async with stores.sessions() as session:
        row = (await queries.by_ids(session, [notification_id])).get(notification_id)
    if row is None or row.recipient_id != viewer_id:
        return None
    return (await shown(stores, viewer_id, [row])).get(notification_id)


async def unread_count(stores: Stores, viewer_id: int) -> int:
    async with stores.sessions() as session:
        return await queries.unread_count(session, viewer_id)


async def mark_read(stores: Stores, viewer_id: int, ids: Sequence[int] | None) -> int:
    """Mark the given notifications (the viewer's own; others are ignored), or all, read."""
    async with stores.sessions.begin() as session:
        return await queries.mark_read(session, viewer_id, ids)


async def set_post_alerts(stores: Stores, viewer_id: int, author_id: int, enabled: bool) -> None:
    """Turn NEW_POST alerts for an author on or off; only for accounts the viewer follows."""
    async with stores.sessions() as session:
        author = (await user_queries.by_ids(session, [author_id])).get(author_id)
    relationship = (
        await graph_social.relationship(stores.graph, viewer_id, author_id)
        if author is not None and author_id != viewer_id
        else privacy.NO_RELATIONSHIP
    )
    if author is None or not privacy.can_view_profile(viewer_id, author, relationship) or author_id == viewer_id:
        raise DomainError(ErrorCode.NOT_FOUND, "No such user.", "userId")
    if enabled and not relationship.following:
        raise DomainError(ErrorCode.NOT_FOLLOWING, "Follow this account to get its post alerts.", "userId")
    async with stores.sessions.begin() as session:
        await queries.set_alert(session, viewer_id, author_id, enabled)
