"""The home feed: a page of the viewer's timeline merged with followed celebrities' posts,
through the privacy policy, newest first (RECENT) or by engagement with time decay (TOP).

A page costs one Redis round trip (the timeline window and the viewer's context, by one
script) and one Postgres statement for RECENT, two for TOP (rank, then load the page), and
no graph call; a missing timeline or context is rebuilt first (see feed_sources).

TOP ranks the newest ``feed_top_window`` candidates at or below an anchor (the newest
candidate when the first page was read, carried in the cursor, so posts arriving while the
viewer pages do not reshuffle the pages):

    score = (1 + likes + 2 * comments) / (age_hours + 2) ** 1.5

where age is measured from the anchor post, so a page's scores do not drift with the clock.
Comments weigh double: they cost more effort than a like. The gravity exponent 1.5 halves
a post's weight roughly every day and a half at equal engagement.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from db import feed as feed_queries
from db.content import Audience, Post
from db.feed import Candidates
from db.ids import created_ms
from db.models import User
from graph.social import Relationship
from services import feed_sources, privacy
from services.stores import Stores
from services.timelines import FeedContext, Window

GRAVITY = 1.5
SCORE_SCALE = 1_000_000_000  # scores travel in cursors as integers


class FeedOrder(enum.StrEnum):
    RECENT = "RECENT"
    TOP = "TOP"


class FeedReason(enum.StrEnum):
    OWN = "OWN"
    FOLLOWING = "FOLLOWING"
    CLOSE_FRIENDS = "CLOSE_FRIENDS"


@dataclass(frozen=True, slots=True)
class FeedItem:
    post: Post
    author: User
    reason: FeedReason
    cursor: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[FeedItem]
    has_next: bool
    end_cursor: tuple[int, ...] | None
    # Users hidden from the viewer by blocks, known without the graph for the rest of the page.
    hidden: frozenset[int]


def cursor_arity(order: FeedOrder) -> int:
    return 1 if order is FeedOrder.RECENT else 3


def score(likes: int, comments: int, post_id: int, anchor_id: int) -> int:
    """The TOP ranking (see the module docstring), scaled to an integer."""
    age_hours = max(created_ms(anchor_id) - created_ms(post_id), 0) / 3_600_000
    return int(SCORE_SCALE * (1 + likes + 2 * comments) / (age_hours + 2) ** GRAVITY)


def _relationship(context: FeedContext, author_id: int) -> Relationship:
    # Every candidate's author is followed (the read script and the queries saw to that).
    hidden = author_id in context.hidden
    return Relationship(following=True, close_friend_of=author_id in context.close_friend_of, blocking=hidden)


def _reason(viewer_id: int, post: Post) -> FeedReason:
    if post.author_id == viewer_id:
        return FeedReason.OWN
    if post.audience is Audience.CLOSE_FRIENDS:
        return FeedReason.CLOSE_FRIENDS
    return FeedReason.FOLLOWING


def _items(
    viewer_id: int, rows: Sequence[tuple[Post, User]], context: FeedContext, cursors: Mapping[int, tuple[int, ...]]
) -> list[FeedItem]:
    return [
        FeedItem(post, author, _reason(viewer_id, post), cursors[post.id])
        for post, author in rows
        if privacy.can_view_post(viewer_id, post, author, _relationship(context, author.id))
    ]


async def feed_page(
    stores: Stores, viewer_id: int, first: int, after: tuple[int, ...] | None, order: FeedOrder
) -> FeedPage:
    if order is FeedOrder.TOP:
        return await _top_page(stores, viewer_id, first, after)
    return await _recent_page(stores, viewer_id, first, after[0] if after else None)


def _candidates(viewer_id: int, window: Window, below: int | None, limit: int) -> Candidates:
    """The window's entries and the followed celebrities' posts, pulled no further back
    than the window reaches (the rest belongs to later pages)."""
    return Candidates(
        viewer_id,
        timeline_ids=[entry.post_id for entry in window.entries],
        limit=limit,
        pulled_authors=window.context.celebrities,
        close_friend_of=window.context.close_friend_of,
        below=below,
        floor=window.floor if window.more else 0,
    )


async def _recent_page(stores: Stores, viewer_id: int, first: int, below: int | None) -> FeedPage:
    want = first + 1
    window = await feed_sources.window(stores, viewer_id, below, want)
    async with stores.reads() as session:
        rows = await feed_queries.page_rows(session, _candidates(viewer_id, window, below, want))
    page = rows[:first]
    end: tuple[int, ...] | None
    if len(rows) > first:
        has_next, end = True, (page[-1][0].id,)
    elif window.more:
        # Everything down to the window's floor was considered; resume below it.
        has_next, end = True, (window.floor,)
    else:
        has_next, end = False, (page[-1][0].id,) if page else None
    cursors = {post.id: (post.id,) for post, _ in page}
    return FeedPage(_items(viewer_id, page, window.context, cursors), has_next, end, window.context.hidden)


async def _top_page(stores: Stores, viewer_id: int, first: int, after: tuple[int, ...] | None) -> FeedPage:
    settings = stores.settings
    anchor = after[0] if after else None
    below = anchor + 1 if anchor is not None else None
    window = await feed_sources.window(stores, viewer_id, below, settings.feed_top_window)
    async with stores.reads() as session:
        candidates = await feed_queries.ranking_rows(
            session, _candidates(viewer_id, window, below, settings.feed_top_window)
        )
        if not candidates:
            return FeedPage([], False, None, window.context.hidden)
        anchor = anchor if anchor is not None else max(pid for pid, _, _ in candidates)
        ranked = sorted(
            ((score(likes, comments, pid, anchor), pid) for pid, likes, comments in candidates), reverse=True
        )
        if after is not None:
            ranked = [key for key in ranked if key < (after[1], after[2])]
        chosen = ranked[: first + 1]
        chosen_ids = [pid for _, pid in chosen[:first]]
        # The chosen page is read again under the same privacy filter, with the close-friend
        # lists the ranking used: without them, others' close-friends posts fell out here.
        chosen_page = Candidates(viewer_id, chosen_ids, limit=first, close_friend_of=window.context.close_friend_of)
        rows = await feed_queries.page_rows(session, chosen_page)
    by_id = {post.id: (post, author) for post, author in rows}
    page = [by_id[pid] for _, pid in chosen[:first] if pid in by_id]
    cursors = {pid: (anchor, key, pid) for key, pid in chosen}
    end = cursors[chosen[:first][-1][1]] if chosen[:first] else None
    return FeedPage(_items(viewer_id, page, window.context, cursors), len(chosen) > first, end, window.context.hidden)
