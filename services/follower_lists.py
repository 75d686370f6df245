"""Each author's follower ids, cached in Redis for fan-out: the only module that knows these keys.

Fan-out reads an author's whole follower list for every post; walking the graph for it
costs far more than writing the timelines. The list is kept in Redis as one packed value
(8 bytes per id) and filled from the graph when missing.

A follower list is forgotten when a relationship job runs (backfill on follow or approval,
prune on unfollow, removeFollower and block), before the job does anything else. Until then
a stale list is harmless: the new follower's backfill brings in what a fan-out missed, and
the read path drops posts of authors the viewer no longer follows. A fill that raced an
invalidation is not stored (a version number is checked, as for feed contexts), and every
list expires after LIST_TTL_SECONDS anyway.
"""

from __future__ import annotations

import struct

from graph import feed as graph_feed
from services.stores import Stores

LIST_TTL_SECONDS = 3600
VERSION_TTL_SECONDS = 24 * 3600
_ID = struct.Struct("<q")

_LIST = "followers:{{{}}}"
_VERSION = "followers:{{{}}}:v"

# KEYS[1] list, KEYS[2] version; ARGV[1] version read before the fill, ARGV[2] packed ids,
# ARGV[3] ttl. Stores the list unless it was invalidated meanwhile.
_STORE = """
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""


def pack(ids: list[int]) -> bytes:
    return struct.pack(f"<{len(ids)}q", *ids)


def unpack(blob: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(blob) // _ID.size}q", blob))


async def followers(stores: Stores, author_id: int) -> list[int]:
    """Every follower id of the author, from the cache or else the graph."""
    redis = stores.redis
    blob, version = await redis.mget(_LIST.format(author_id), _VERSION.format(author_id))
    if isinstance(blob, bytes):
        return unpack(blob)
    size = stores.settings.fanout_page_size
    ids = [fid for page in await graph_feed.follower_pages(stores.graph, author_id, size) for fid in page]
    store = redis.register_script(_STORE)
    await store(
        keys=[_LIST.format(author_id), _VERSION.format(author_id)],
        args=[version or b"", pack(ids), LIST_TTL_SECONDS],
    )
    return ids


async def forget(stores: Stores, *author_ids: int) -> None:
    """Drop these authors' cached lists, and outdate fills in flight."""
    if not author_ids:
        return
    async with stores.redis.pipeline(transaction=False) as pipe:
        for author_id in author_ids:
            pipe.incr(_VERSION.format(author_id))
            pipe.expire(_VERSION.format(author_id), VERSION_TTL_SECONDS)
            pipe.delete(_LIST.format(author_id))
        await pipe.execute()
