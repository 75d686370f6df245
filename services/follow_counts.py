"""Follower and following counts: the graph's degrees, cached briefly in Redis.

A read that raced a follow must not put the old count back after the follow dropped it:
every change bumps the user's generation, and a count is cached only if the generation
it was read under still stands (checked and written atomically by a script).
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from graph import social as graph_social
from services.stores import Stores

log = logging.getLogger(__name__)
TTL_SECONDS = 60  # also bounds how stale a count can get across a Redis outage
GENERATION_TTL_SECONDS = 24 * 3600

# Both keys of a user share a hash slot, so the script also runs on Redis Cluster.
COUNT_KEY = "follows:{{{}}}:count"
GENERATION_KEY = "follows:{{{}}}:gen"

# KEYS[1] count, KEYS[2] generation; ARGV[1] generation read, ARGV[2] value, ARGV[3] ttl
_CACHE_IF_UNCHANGED = """
if (redis.call('GET', KEYS[2]) or '') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 0
"""


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else "" if value is None else str(value)


async def get_many(stores: Stores, user_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(followers, following) for each user, from the cache where it holds them."""
    counts: dict[int, tuple[int, int]] = {}
    keys = [key for uid in user_ids for key in (COUNT_KEY.format(uid), GENERATION_KEY.format(uid))]
    try:
        cached = await stores.redis.mget(keys)
    except RedisError:
        log.warning("redis unavailable; counting follows in the graph")
        cached = [None] * len(keys)
    generations: dict[int, str] = {}
    for index, uid in enumerate(user_ids):
        value, generation = cached[2 * index], cached[2 * index + 1]
        generations[uid] = _text(generation)
        if value is not None:
            cached_followers, cached_following = _text(value).split(":")
            counts[uid] = (int(cached_followers), int(cached_following))
    missing = [uid for uid in user_ids if uid not in counts]
    if missing:
        fresh = await graph_social.follow_counts(stores.graph, missing)
        counts.update(fresh)
        try:
            async with stores.redis.pipeline(transaction=False) as pipe:
                for uid, (followers, following) in fresh.items():
                    pipe.eval(
                        _CACHE_IF_UNCHANGED,
                        2,
                        COUNT_KEY.format(uid),
                        GENERATION_KEY.format(uid),
                        generations[uid],
                        f"{followers}:{following}",
                        TTL_SECONDS,
                    )
                await pipe.execute()
        except RedisError:
            log.warning("redis unavailable; follow counts not cached")
    return counts


async def invalidate(stores: Stores, *user_ids: int) -> None:
    """Forget cached counts after an edge changed, and outdate reads still in flight.

    The edge is already saved, so a Redis outage must not fail the request: counts cached
    before the outage expire on their own within the cache lifetime.
    """
    try:
        async with stores.redis.pipeline(transaction=False) as pipe:
            for uid in user_ids:
                pipe.delete(COUNT_KEY.format(uid))
                pipe.incr(GENERATION_KEY.format(uid))
                pipe.expire(GENERATION_KEY.format(uid), GENERATION_TTL_SECONDS)
            await pipe.execute()
    except RedisError:
        log.warning("redis unavailable; follow counts not invalidated", extra={"user_ids": list(user_ids)})
