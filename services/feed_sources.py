"""Where a feed page's candidates come from: the viewer's timeline in Redis, a rebuild of it
from the graph and Postgres when it is missing, or (the benchmark's baseline, and the way
through a Redis outage) the pull model, which asks the graph and Postgres every time."""

from __future__ import annotations

import logging
from collections.abc import Collection

from redis.exceptions import RedisError

from db import feed as feed_queries
from graph import feed as graph_feed
from services import follower_lists, metrics
from services.stores import Stores
from services.timelines import Entry, FeedContext, Missing, Timelines, Window

log = logging.getLogger(__name__)


def timelines(stores: Stores) -> Timelines:
    settings = stores.settings
    return Timelines(stores.redis, settings.timeline_max_items, settings.feed_active_days * 24 * 3600)


async def relations(stores: Stores, viewer_id: int, *, celebrities: bool = True) -> FeedContext:
    """The viewer's feed context, read from the graph (celebrities only when asked)."""
    threshold = stores.settings.celebrity_threshold if celebrities else None
    found = await graph_feed.feed_relations(stores.graph, viewer_id, threshold)
    return FeedContext(
        following=found.following,
        celebrities=found.celebrities,
        close_friend_of=found.close_friend_of,
        hidden=found.hidden,
    )


async def _newest(
    stores: Stores, viewer_id: int, context: FeedContext, authors: Collection[int], *, below: int | None, limit: int
) -> list[Entry]:
    async with stores.reads() as session:
        rows = await feed_queries.newest_entries(
            session,
            viewer_id,
            authors=[viewer_id, *authors],
            close_friend_of=context.close_friend_of,
            below=below,
            limit=limit,
        )
    return [Entry(post_id, author_id) for post_id, author_id in rows]


def _window(entries: list[Entry], context: FeedContext, below: int | None, want: int) -> Window:
    older = [entry for entry in entries if below is None or entry.post_id < below]
    taken = older[:want]
    more = len(older) > want
    return Window(entries=taken, context=context, more=more, floor=taken[-1].post_id if more and taken else 0)


async def window(stores: Stores, viewer_id: int, below: int | None, want: int) -> Window:
    """Up to ``want`` timeline entries older than ``below``, with the viewer's context."""
    if stores.settings.feed_strategy == "pull":
        metrics.TIMELINE_READS.labels("pull").inc()
        return await pulled(stores, viewer_id, below, want)
    tl = timelines(stores)
    try:
        found = await tl.read(viewer_id, below, want)
        if isinstance(found, Window):
            metrics.TIMELINE_READS.labels("hit").inc()
            return found
        context: FeedContext | None = None
        if found.basis is not None:
            # Only the context expired or was dropped. The live timeline is kept if it was
            # built for the same pulled authors and close-friend lists; else it is rebuilt.
            fresh = await relations(stores, viewer_id)
            ttl = stores.settings.feed_context_ttl_seconds
            if fresh.basis() != found.basis:
                context = fresh  # read after found.generation: the rebuild may store it under it
            elif await tl.store_context(viewer_id, fresh, found.generation, ttl):
                again = await tl.read(viewer_id, below, want)
                if isinstance(again, Window):
                    metrics.TIMELINE_READS.labels("context_miss").inc()
                    return again
                found = again
            else:  # a relationship changed meanwhile: start over from the current generation
                found = Missing(await tl.generation(viewer_id), None)
        metrics.TIMELINE_READS.labels("miss").inc()
        return await rebuild(stores, tl, viewer_id, found.generation, below=below, want=want, context=context)
    except RedisError:
        log.warning("redis unavailable; serving the feed by the pull model", extra={"viewer_id": viewer_id})
        metrics.TIMELINE_READS.labels("redis_unavailable").inc()
        return await pulled(stores, viewer_id, below, want)


async def pulled(stores: Stores, viewer_id: int, below: int | None, want: int) -> Window:
    """The pull model: every followed author's newest posts, read now; nothing is cached."""
    context = await relations(stores, viewer_id, celebrities=False)
    entries = await _newest(stores, viewer_id, context, context.following, below=below, limit=want + 1)
    # Everything comes from the query above: nothing is left to pull at page time.
    bare = FeedContext(close_friend_of=context.close_friend_of, hidden=context.hidden)
    return _window(entries, bare, None, want)


async def rebuild(
    stores: Stores,
    tl: Timelines,
    viewer_id: int,
    generation: str,
    *,
    below: int | None,
    want: int,
    context: FeedContext | None = None,
) -> Window:
    """Rebuild a missing timeline and context, and answer this request from the rebuild.
    A `context` passed in must have been read from the graph after `generation` was.

    The timeline is marked as being rebuilt before Postgres is read, so posts fanned out
    meanwhile land in it and are kept; the context is stored only if no relationship
    changed since ``generation`` was read.
    """
    await tl.begin_rebuild(viewer_id)
    if context is None:
        context = await relations(stores, viewer_id)
    pushed_authors = context.following - context.celebrities
    entries = await _newest(stores, viewer_id, context, pushed_authors, below=None, limit=tl.max_items)
    await tl.finish_rebuild(viewer_id, entries, context.basis())
    await tl.store_context(viewer_id, context, generation, stores.settings.feed_context_ttl_seconds)
    log.info("timeline rebuilt", extra={"viewer_id": viewer_id, "entries": len(entries)})
    return _window(entries, context, below, want)


async def forget_contexts(stores: Stores, *user_ids: int) -> None:
    """Drop cached feed contexts after a relationship changed. A Redis outage must not fail
    the change: the jobs it owes drop them again, and contexts expire on their own."""
    try:
        await timelines(stores).invalidate_context(*user_ids)
    except RedisError:
        log.warning("redis unavailable; feed contexts not invalidated", extra={"user_ids": list(user_ids)})


async def forget_followers(stores: Stores, *author_ids: int) -> None:
    """Drop cached follower lists after follows changed; best effort, like forget_contexts
    (the relationship jobs drop them again)."""
    try:
        await follower_lists.forget(stores, *author_ids)
    except RedisError:
        log.warning("redis unavailable; follower lists not invalidated", extra={"user_ids": list(author_ids)})
