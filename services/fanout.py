"""Keeping timelines in step with posts and relationships; run by jobs, each safe to repeat.

The read path already hides what these jobs remove (deleted posts, unfollowed and blocked
authors), so correctness never waits for them; they keep timelines small and right.
"""

from __future__ import annotations

import logging
import time

from db import posts as post_queries
from db import users as user_queries
from db.content import Audience, Post
from db.ids import created_ms
from db.models import AccountStatus
from graph import feed as graph_feed
from graph import social as graph_social
from services import follow_counts, follower_lists, metrics, privacy
from services.feed_sources import timelines
from services.stores import Stores
from services.timelines import Entry

log = logging.getLogger(__name__)


async def _followers(stores: Stores, author_id: int, *, close_friends_only: bool = False) -> list[list[int]]:
    """Every follower of the author (only close friends, when asked), a page at a time."""
    size = stores.settings.fanout_page_size
    if close_friends_only:
        return await graph_feed.follower_pages(stores.graph, author_id, size, close_friends_only=True)
    ids = await follower_lists.followers(stores, author_id)
    return [ids[start : start + size] for start in range(0, len(ids), size)]


async def _is_celebrity(stores: Stores, author_id: int) -> bool:
    followers, _ = (await follow_counts.get_many(stores, [author_id]))[author_id]
    return followers >= stores.settings.celebrity_threshold


async def _live_post(stores: Stores, post_id: int) -> Post | None:
    async with stores.sessions() as session:
        post = (await post_queries.posts_by_ids(session, [post_id])).get(post_id)
        author = (await user_queries.by_ids(session, [post.author_id])).get(post.author_id) if post else None
    if post is None or author is None or author.status is not AccountStatus.ACTIVE:
        return None
    return post if post.deleted_at is None and post.hidden_at is None else None


async def fan_out_post(stores: Stores, post_id: int) -> int:
    """Write a new post into its author's timeline and its active followers' (close friends
    only, for a close-friends post); a celebrity's post stays to be pulled at read time.
    Returns how many timelines took it."""
    post = await _live_post(stores, post_id)
    if post is None:
        return 0
    tl = timelines(stores)
    entry = Entry(post.id, post.author_id)
    written = await tl.push([post.author_id], [entry])
    celebrity = await _is_celebrity(stores, post.author_id)
    if await tl.set_celebrity(post.author_id, celebrity):
        await _celebrity_changed(stores, post.author_id, celebrity)
    if celebrity:
        return written
    # Only live timelines take the post: a timeline lives SHUTTER_FEED_ACTIVE_DAYS past its
    # owner's last read, so followers who stayed away get theirs rebuilt when they return.
    pages = await _followers(stores, post.author_id, close_friends_only=post.audience is Audience.CLOSE_FRIENDS)
    written += await tl.push_pages(pages, [entry])
    await metrics.observe_fanout_lag(stores.redis, max(time.time() - created_ms(post.id) / 1000, 0.0))
    return written


async def _celebrity_changed(stores: Stores, author_id: int, celebrity: bool) -> None:
    """Followers' cached contexts say whether to pull this author: make them ask again. An
    author who stops being pulled has their recent posts pushed back into timelines."""
    tl = timelines(stores)
    recent = await _recent_entries(stores, author_id, [Audience.EVERYONE, Audience.FOLLOWERS])
    for page in await _followers(stores, author_id):
        await tl.invalidate_context(*page)
        if not celebrity:
            await tl.push(page, recent)
    log.info("celebrity status changed", extra={"author_id": author_id, "celebrity": celebrity})


async def _recent_entries(stores: Stores, author_id: int, audiences: list[Audience]) -> list[Entry]:
    limit = stores.settings.backfill_posts
    async with stores.sessions() as session:
        posts = await post_queries.author_posts(session, author_id, audiences, limit, None)
    return [Entry(post.id, post.author_id) for post in posts]


async def retract_post(stores: Stores, post_id: int) -> None:
    """Take a deleted post out of its author's and every follower's timeline."""
    async with stores.sessions() as session:
        post = (await post_queries.posts_by_ids(session, [post_id])).get(post_id)
    if post is None or (post.deleted_at is None and post.hidden_at is None):
        return
    tl = timelines(stores)
    entry = Entry(post.id, post.author_id)
    await tl.unpush([post.author_id], entry)
    for page in await _followers(stores, post.author_id):
        await tl.unpush(page, entry)


async def backfill_follow(stores: Stores, follower_id: int, followee_id: int) -> int:
    """Bring a newly followed author's recent posts into the follower's timeline."""
    tl = timelines(stores)
    await tl.invalidate_context(follower_id)
    await follower_lists.forget(stores, followee_id)
    relationship = await graph_social.relationship(stores.graph, follower_id, followee_id)
    if not relationship.following:
        return 0  # unfollowed since: nothing to bring in
    async with stores.sessions() as session:
        author = (await user_queries.by_ids(session, [followee_id])).get(followee_id)
    if author is None:
        return 0
    audiences = privacy.visible_audiences(follower_id, author, relationship)
    return await tl.push([follower_id], await _recent_entries(stores, followee_id, audiences))


async def prune_unfollow(stores: Stores, follower_id: int, followee_id: int) -> int:
    """Take an author's posts out of a former follower's timeline, unless followed again."""
    tl = timelines(stores)
    await tl.invalidate_context(follower_id)
    await follower_lists.forget(stores, followee_id)
    relationship = await graph_social.relationship(stores.graph, follower_id, followee_id)
    if relationship.following:
        return 0
    return await tl.unpush_authors(follower_id, [followee_id])


async def prune_block(stores: Stores, blocker_id: int, blocked_id: int) -> None:
    """After a block, neither user's timeline keeps the other's posts."""
    await prune_unfollow(stores, blocker_id, blocked_id)
    await prune_unfollow(stores, blocked_id, blocker_id)
