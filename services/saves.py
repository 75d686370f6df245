"""Saved posts: a private collection per user. A save never reveals a post the saver may no
longer see: every read passes the privacy policy, so a post whose author went private,
blocked the saver, or deleted it drops out of the list (its save row stays, and shows again
if the post becomes visible again)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from db import saves as queries
from db.content import Post
from db.search import Viewpoint
from services import privacy, search
from services.errors import DomainError, ErrorCode
from services.post_access import visible_post
from services.search import PostHit
from services.stores import Stores

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
LATEST_MICROS = (dt.datetime(9999, 12, 31, tzinfo=dt.UTC) - EPOCH) // MICROSECOND


async def save_post(stores: Stores, viewer_id: int, post_id: int) -> Post:
    """Save a post the viewer can see; saving twice changes nothing."""
    return await _set_save(stores, viewer_id, post_id, queries.add_save)


async def unsave_post(stores: Stores, viewer_id: int, post_id: int) -> Post:
    """Unsave a post the viewer can see (NOT_FOUND otherwise, as for any hidden post)."""
    return await _set_save(stores, viewer_id, post_id, queries.remove_save)


async def _set_save(
    stores: Stores, viewer_id: int, post_id: int, change: Callable[[AsyncSession, int, int], Awaitable[bool]]
) -> Post:
    post = await visible_post(stores, viewer_id, post_id)
    async with stores.sessions.begin() as session:
        await change(session, viewer_id, post_id)
    return post


def _cursor(saved_at: dt.datetime, post_id: int) -> tuple[int, int]:
    """(saved at in µs since the epoch, post id): exact, as PostgreSQL keeps microseconds."""
    return (saved_at - EPOCH) // MICROSECOND, post_id


def _after(cursor: tuple[int, ...] | None) -> tuple[dt.datetime, int] | None:
    if cursor is None:
        return None
    micros, post_id = cursor
    if not 0 <= micros <= LATEST_MICROS:
        raise DomainError(ErrorCode.INVALID_CURSOR, "Not a valid cursor.", "after")
    return EPOCH + micros * MICROSECOND, post_id


async def saved_posts(stores: Stores, view: Viewpoint, limit: int, after: tuple[int, ...] | None) -> list[PostHit]:
    """The saved posts of a signed-in viewer (see services.search.viewpoint) that they may
    still see, newest save first; the cursor is (saved at in µs, post id). The SQL applies
    the policy so pages fill; each row then passes services.privacy, which has the last word."""
    start = _after(after)
    if limit == 0 or view.viewer_id is None:
        return []
    async with stores.sessions() as session:
        rows = await queries.saved_posts(session, view, limit, start)
    return [
        PostHit(
            post,
            author,
            _cursor(saved_at, post.id),
            privacy.can_view_post(view.viewer_id, post, author, search.relationship(view, author.id)),
        )
        for post, author, saved_at in rows
    ]
