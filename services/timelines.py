"""Home timelines in Redis: the only module that knows their keys and talks to them.

A timeline is a sorted set of ``<post id, zero-padded>:<author id>`` members, all with score
0, so members sort by post id exactly (64-bit ids do not fit a double score). Redis holds
ids only; Postgres and the graph can always rebuild a timeline, and the feed does so when
one is missing.

Two marker members frame the entries: ``LIVE`` (sorts after every id) says the timeline
is complete and may be read; ``BUILDING`` (sorts before every id) says a rebuild is under
way, so fan-out keeps writing into it meanwhile and no post falls between the rebuild's
snapshot and its write. Fan-out writes only into timelines that exist: an inactive user's
timeline expires and is rebuilt when they come back.

Next to each timeline sits the viewer's feed context: whom they follow (the flag the read
script checks, so an unfollow hides posts at once) and a small blob with the followed
celebrities, the close-friend lists they are on and the users hidden from them by blocks.
It is cached under a generation check, so a rebuild racing a follow change cannot store
what the change just invalidated. Each timeline also records its basis: the celebrities and
close-friend lists it was built for. When only the context is gone, a fresh context with
the same basis is stored and the timeline kept; a different basis means a rebuild.

Every key of one user carries the same hash tag, so the scripts also run on Redis Cluster.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

ID_WIDTH = 19  # digits of the largest 63-bit id
LIVE = "~"
BUILDING = "!"
FOLLOWING_FLAG = "1"
CONTEXT_BLOB = "_"
GENERATION_TTL_SECONDS = 24 * 3600
# The read script gives up after looking at this many members per call; the caller pages on.
SCAN_LIMIT = 2000

_TIMELINE = "timeline:{{{}}}"
_CONTEXT = "timeline:{{{}}}:context"
_GENERATION = "timeline:{{{}}}:gen"
_BASIS = "timeline:{{{}}}:basis"
_CELEBRITIES = "timelines:celebrities"


@dataclass(frozen=True, slots=True)
class Entry:
    post_id: int
    author_id: int

    @property
    def member(self) -> str:
        return f"{self.post_id:0{ID_WIDTH}d}:{self.author_id}"

    @classmethod
    def parse(cls, member: str | bytes) -> Entry:
        text = member.decode() if isinstance(member, bytes) else member
        post_id, author_id = text.split(":")
        return cls(int(post_id), int(author_id))


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What the feed needs to know about the viewer's relationships, without the graph."""

    following: frozenset[int] = frozenset()
    celebrities: frozenset[int] = frozenset()  # followed accounts whose posts are pulled
    close_friend_of: frozenset[int] = frozenset()  # authors who list the viewer as a close friend
    hidden: frozenset[int] = frozenset()  # blocked by or blocking the viewer

    def basis(self) -> str:
        """What a timeline built for this context depends on: whose posts it leaves to be
        pulled, and whose close-friends posts it holds."""
        return json.dumps({"c": sorted(self.celebrities), "f": sorted(self.close_friend_of)}, separators=(",", ":"))

    def blob(self) -> str:
        return json.dumps(
            {"c": sorted(self.celebrities), "f": sorted(self.close_friend_of), "h": sorted(self.hidden)},
            separators=(",", ":"),
        )

    @classmethod
    def from_blob(cls, blob: str | bytes) -> FeedContext:
        """Everything but ``following``, which stays in Redis for the read script."""
        data = json.loads(blob)
        return cls(celebrities=frozenset(data["c"]), close_friend_of=frozenset(data["f"]), hidden=frozenset(data["h"]))


@dataclass(frozen=True, slots=True)
class Window:
    """Timeline entries below a bound, newest first, already narrowed to followed authors.

    ``more`` says entries may remain past ``floor`` (the lowest post id looked at)."""

    entries: list[Entry]
    context: FeedContext
    more: bool
    floor: int = 0
    generation: str = field(default="")


@dataclass(frozen=True, slots=True)
class Missing:
    """What a read found missing. `basis` is None when the timeline itself is not live;
    otherwise only the context is missing, and `basis` is what the live timeline was built
    for ("" when unknown). `generation` is the one to store a fresh context under."""

    generation: str
    basis: str | None


def bound(before: int | None) -> str:
    """The lexicographic upper bound for entries strictly older than post ``before``."""
    return "+" if before is None else f"({before:0{ID_WIDTH}d}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else "" if value is None else str(value)


# KEYS timelines; ARGV[1] max items, ARGV[2..] members. Writes only into live or
# rebuilding timelines; keeps the newest max items and the LIVE marker (the highest
# members), dropping the rest in one command. Returns how many timelines changed.
# A timeline being rebuilt has no LIVE marker yet: past max + 1 entries the trim may take
# its BUILDING marker, but the key stays, so fan-out keeps writing into it, and
# finish_rebuild makes it LIVE (and trims it) all the same.
_PUSH = """
local keep = -(tonumber(ARGV[1]) + 2)
local changed = 0
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    local added = 0
    for i = 2, #ARGV do added = added + redis.call('ZADD', key, 0, ARGV[i]) end
    if added > 0 then
      changed = changed + 1
      redis.call('ZREMRANGEBYRANK', key, 0, keep)
    end
  end
end
return changed
"""

# KEYS[1] timeline; ARGV author ids. Removes every entry by those authors.
_UNPUSH_AUTHORS = """
local authors = {}
for i = 1, #ARGV do authors[ARGV[i]] = true end
local removed = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local author = string.match(m, ':(%d+)$')
  if author and authors[author] then removed = removed + redis.call('ZREM', KEYS[1], m) end
end
return removed
"""

# KEYS[1] timeline, KEYS[2] context, KEYS[3] generation, KEYS[4] basis; ARGV[1] owner,
# ARGV[2] upper bound, ARGV[3] how many, ARGV[4] timeline ttl, ARGV[5] scan limit.
# Returns {0, generation} when the timeline is not live, {2, generation, basis} when only
# the context is missing, else {1, blob, more, floor, members...}.
_READ = f"""
if not redis.call('ZSCORE', KEYS[1], '{LIVE}') then
  return {{0, redis.call('GET', KEYS[3]) or ''}}
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  return {{2, redis.call('GET', KEYS[3]) or '', redis.call('GET', KEYS[4]) or ''}}
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[4], ARGV[4])
local want, limit = tonumber(ARGV[3]), tonumber(ARGV[5])
local kept, offset, more, floor = {{}}, 0, 0, ''
while #kept < want do
  if offset >= limit then more = 1 break end
  local batch = redis.call('ZRANGE', KEYS[1], ARGV[2], '-', 'BYLEX', 'REV', 'LIMIT', offset, want)
  if #batch == 0 then break end
  offset = offset + #batch
  for _, m in ipairs(batch) do
    if m ~= '{LIVE}' and m ~= '{BUILDING}' then
      floor = m
      local author = string.match(m, ':(%d+)$')
      if author == ARGV[1] or redis.call('HGET', KEYS[2], author) == '{FOLLOWING_FLAG}' then
        table.insert(kept, m)
        if #kept == want then more = 1 break end
      end
    end
  end
end
local reply = {{1, redis.call('HGET', KEYS[2], '{CONTEXT_BLOB}'), more, floor}}
for _, m in ipairs(kept) do table.insert(reply, m) end
return reply
"""

# KEYS[1] timeline; ARGV[1] ttl. Marks a missing timeline as being rebuilt.
_BEGIN_REBUILD = f"""
if not redis.call('ZSCORE', KEYS[1], '{LIVE}') then
  redis.call('ZADD', KEYS[1], 0, '{BUILDING}')
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return 0
"""

# KEYS[1] timeline, KEYS[2] basis; ARGV[1] max items, ARGV[2] ttl, ARGV[3] basis,
# ARGV[4..] members.
_FINISH_REBUILD = f"""
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
for i = 4, #ARGV do redis.call('ZADD', KEYS[1], 0, ARGV[i]) end
redis.call('ZREM', KEYS[1], '{BUILDING}')
redis.call('ZADD', KEYS[1], 0, '{LIVE}')
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1]) - 1
if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 0
"""

# KEYS[1] context, KEYS[2] generation; ARGV[1] generation read, ARGV[2] ttl, ARGV[3] blob,
# ARGV[4..] followed ids. Stored only if no change bumped the generation meanwhile.
_STORE_CONTEXT = f"""
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '{CONTEXT_BLOB}', ARGV[3])
for i = 4, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], '{FOLLOWING_FLAG}') end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


class Timelines:
    """Verbs over timelines (push, unpush, read, populate, trim through the cap)."""

    def __init__(self, redis: Redis, max_items: int, ttl_seconds: int) -> None:
        self.redis = redis
        self.max_items = max_items
        self.ttl_seconds = ttl_seconds
        self._push = redis.register_script(_PUSH)
        self._unpush_authors = redis.register_script(_UNPUSH_AUTHORS)
        self._read = redis.register_script(_READ)
        self._begin = redis.register_script(_BEGIN_REBUILD)
        self._finish = redis.register_script(_FINISH_REBUILD)
        self._store_context = redis.register_script(_STORE_CONTEXT)

    async def push(self, owners: Sequence[int], entries: Sequence[Entry]) -> int:
        """Add entries to each owner's live timeline, one script call for all of them (a
        Redis Cluster would take one call per hash slot); returns how many timelines changed.
        Repeating a push adds nothing."""
        if not owners or not entries:
            return 0
        keys = [_TIMELINE.format(owner) for owner in owners]
        return int(await self._push(keys=keys, args=[self.max_items, *(entry.member for entry in entries)]))

    async def push_pages(self, pages: Sequence[Sequence[int]], entries: Sequence[Entry]) -> int:
        """`push` for many pages of owners, every page's script call in one round trip."""
        pages = [page for page in pages if page]
        if not pages or not entries:
            return 0
        members = [entry.member for entry in entries]
        async with self.redis.pipeline(transaction=False) as pipe:
            for page in pages:
                await self._push(
                    keys=[_TIMELINE.format(owner) for owner in page], args=[self.max_items, *members], client=pipe
                )
            changed = await pipe.execute()
        return sum(int(count) for count in changed)

    async def unpush(self, owners: Sequence[int], entry: Entry) -> None:
        """Take one post out of many timelines (it was deleted)."""
        if not owners:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for owner in owners:
                pipe.zrem(_TIMELINE.format(owner), entry.member)
            await pipe.execute()

    async def unpush_authors(self, owner: int, author_ids: Sequence[int]) -> int:
        """Take every post by these authors out of one timeline (unfollow, block)."""
        if not author_ids:
            return 0
        return int(await self._unpush_authors(keys=[_TIMELINE.format(owner)], args=list(author_ids)))

    async def read(self, owner: int, before: int | None, want: int) -> Window | Missing:
        """Up to ``want`` entries older than ``before`` by authors the owner follows (or the
        owner), in one round trip; the generation string when a rebuild is needed."""
        reply = await self._read(
            keys=[_TIMELINE.format(owner), _CONTEXT.format(owner), _GENERATION.format(owner), _BASIS.format(owner)],
            args=[owner, bound(before), want, self.ttl_seconds, SCAN_LIMIT],
        )
        if int(reply[0]) != 1:
            return Missing(_text(reply[1]), _text(reply[2]) if int(reply[0]) == 2 else None)
        floor = _text(reply[3])
        return Window(
            entries=[Entry.parse(member) for member in reply[4:]],
            context=FeedContext.from_blob(reply[1]),
            more=int(reply[2]) == 1,
            floor=Entry.parse(floor).post_id if floor else 0,
        )

    async def generation(self, owner: int) -> str:
        return _text(await self.redis.get(_GENERATION.format(owner)))

    async def begin_rebuild(self, owner: int) -> None:
        await self._begin(keys=[_TIMELINE.format(owner)], args=[self.ttl_seconds])

    async def finish_rebuild(self, owner: int, entries: Sequence[Entry], basis: str) -> None:
        """Complete a rebuild, recording the basis (`FeedContext.basis`) it was made for."""
        members = [entry.member for entry in entries]
        await self._finish(
            keys=[_TIMELINE.format(owner), _BASIS.format(owner)],
            args=[self.max_items, self.ttl_seconds, basis, *members],
        )

    async def store_context(self, owner: int, context: FeedContext, generation: str, ttl_seconds: int) -> bool:
        """Cache the viewer's feed context unless it changed since ``generation`` was read."""
        stored = await self._store_context(
            keys=[_CONTEXT.format(owner), _GENERATION.format(owner)],
            args=[generation, ttl_seconds, context.blob(), *sorted(context.following)],
        )
        return int(stored) == 1

    async def invalidate_context(self, *owners: int) -> None:
        """Forget cached contexts after a relationship changed, and outdate rebuilds in flight."""
        if not owners:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for owner in owners:
                pipe.delete(_CONTEXT.format(owner))
                pipe.incr(_GENERATION.format(owner))
                pipe.expire(_GENERATION.format(owner), GENERATION_TTL_SECONDS)
            await pipe.execute()

    async def set_celebrity(self, author_id: int, celebrity: bool) -> bool:
        """Record whether an author's posts are pulled rather than pushed; True on a change."""
        if celebrity:
            return int(await self.redis.sadd(_CELEBRITIES, str(author_id))) == 1
        return int(await self.redis.srem(_CELEBRITIES, str(author_id))) == 1

    async def holders(self, owners: Sequence[int], post_id: int) -> set[int]:
        """Which of these owners' timelines hold the post."""
        prefix = f"{post_id:0{ID_WIDTH}d}:"
        async with self.redis.pipeline(transaction=False) as pipe:
            for owner in owners:
                pipe.zlexcount(_TIMELINE.format(owner), f"[{prefix}", f"({prefix[:-1]};")
            counts = await pipe.execute()
        return {owner for owner, count in zip(owners, counts, strict=True) if int(count) > 0}

    async def entries(self, owner: int) -> list[Entry]:
        """Every entry of one timeline, newest first (for tests and tools)."""
        members = await self.redis.zrange(_TIMELINE.format(owner), 0, -1, desc=True)
        return [Entry.parse(_text(m)) for m in members if _text(m) not in (LIVE, BUILDING)]
