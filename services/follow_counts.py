"""Follower and following counts: the graph's degrees, cached briefly in Redis."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from graph import social as graph_social
from services.stores import Stores

log = logging.getLogger(__name__)
KEY = "follows:count:{}"
TTL_SECONDS = 60


async def get_many(stores: Stores, user_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(followers, following) for each user, from the cache where it holds them."""
    counts: dict[int, tuple[int, int]] = {}
    try:
        cached = await stores.redis.mget([KEY.format(uid) for uid in user_ids])
    except RedisError:
        log.warning("redis unavailable; counting follows in the graph")
        cached = [None] * len(user_ids)
    for uid, value in zip(user_ids, cached, strict=True):
        if value is not None:
            text = value.decode() if isinstance(value, bytes) else str(value)
            cached_followers, cached_following = text.split(":")
            counts[uid] = (int(cached_followers), int(cached_following))
    missing = [uid for uid in user_ids if uid not in counts]
    if missing:
        fresh = await graph_social.follow_counts(stores.graph, missing)
        counts.update(fresh)
        try:
            async with stores.redis.pipeline(transaction=False) as pipe:
                for uid, (followers, following) in fresh.items():
                    pipe.set(KEY.format(uid), f"{followers}:{following}", ex=TTL_SECONDS)
                await pipe.execute()
        except RedisError:
            log.warning("redis unavailable; follow counts not cached")
    return counts


async def invalidate(stores: Stores, *user_ids: int) -> None:
    """Forget cached counts after an edge changed; the next read recounts."""
    await stores.redis.delete(*(KEY.format(uid) for uid in user_ids))
