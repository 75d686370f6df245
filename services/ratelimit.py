"""Fixed-window attempt counters in Redis (login throttling)."""

from __future__ import annotations

from redis.asyncio import Redis

PREFIX = "rl:"


async def hit(redis: Redis, key: str, window_seconds: int) -> int:
    """Count one attempt against ``key``; returns the attempts in the current window."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(PREFIX + key)
        pipe.expire(PREFIX + key, window_seconds, nx=True)
        count, _ = await pipe.execute()
    return int(count)


async def reset(redis: Redis, key: str) -> None:
    await redis.delete(PREFIX + key)
