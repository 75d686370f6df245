"""Limits kept in Redis: fixed-window attempt counters, and token buckets.

A token bucket holds up to ``burst`` tokens and refills at ``per_second``; each call takes
``cost`` tokens in one script call, so the limit holds across every API process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis

PREFIX = "rl:"
BUCKET_PREFIX = "tb:"

# KEYS[1] the bucket; ARGV burst, per_second, cost. Returns {taken (0/1), wait in ms, tokens left}.
# The server's clock is the only clock, so every process agrees on the refill.
_TAKE = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now_ms
end
tokens = math.min(burst, tokens + math.max(0, now_ms - at) * rate / 1000)
local taken = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  taken = 1
else
  wait = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now_ms))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {taken, wait, math.floor(tokens)}
"""


@dataclass(frozen=True, slots=True)
class Taken:
    allowed: bool
    retry_after_seconds: int  # whole seconds until the cost fits, 0 when allowed
    remaining: int


async def hit(redis: Redis, key: str, window_seconds: int) -> int:
    """Count one attempt against ``key``; returns the attempts in the current window."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(PREFIX + key)
        pipe.expire(PREFIX + key, window_seconds, nx=True)
        count, _ = await pipe.execute()
    return int(count)


async def take(redis: Redis, key: str, *, burst: int, per_second: float, cost: int = 1) -> Taken:
    """Take ``cost`` tokens from the bucket ``key``; a cost above ``burst`` is never allowed."""
    # EVAL rather than EVALSHA: always one round trip (the server keeps the compiled script
    # by its hash either way), where EVALSHA costs two whenever the server lost its scripts.
    taken, wait_ms, left = await redis.eval(_TAKE, 1, BUCKET_PREFIX + key, burst, repr(per_second), cost)
    allowed = bool(int(taken))
    return Taken(allowed, 0 if allowed else max(1, math.ceil(int(wait_ms) / 1000)), int(left))


def per_hour(count: int) -> tuple[int, float]:
    """Bucket settings for ``count`` actions an hour, all of which may come at once."""
    return count, count / 3600.0
