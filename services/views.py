"""Post views: counted per signed-in viewer, buffered in each API process, flushed to Redis in
batches, folded into PostgreSQL by the workers (services/view_fold.py). This module alone
knows the Redis keys:

- ``views:batches``: a stream with one entry per flushed batch, ``{batch, views}``, where
  ``views`` is JSON ``[[post id, "YYYY-MM-DD", n], ...]``; the fold deletes folded entries.
- ``views:pending:<post>``: a hash ``"<batch>:<day>" -> n`` of the post's views in batches
  not folded yet, so counts include them at once.
- ``views:reach:<post>``: a HyperLogLog of the post's viewers (reach), and short-lived
  ``views:reach-scratch:<post>:<token>`` copies of the sketch PostgreSQL keeps.

A batch is written in one MULTI (its pending counts never outlive its entry) under its own
id, and every write sets rather than adds (XADD of a self-contained entry, HSET, PFADD):
sending a batch twice leaves two entries with one id, and the fold takes each id once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from db import posts as post_queries
from db import users as user_queries
from db import views as view_queries
from graph import social as graph_social
from services import privacy
from services.errors import DomainError, ErrorCode
from services.stores import Stores

log = logging.getLogger(__name__)

STREAM = "views:batches"
_PENDING = "views:pending:{}"
_REACH = "views:reach:{}"
_SCRATCH = "views:reach-scratch:{}:{}"
SCRATCH_TTL_MS = 60_000  # a scratch key outlives a crashed reader by no more than this


def pending_key(post_id: int) -> str:
    return _PENDING.format(post_id)


def reach_key(post_id: int) -> str:
    return _REACH.format(post_id)


def _scratch_key(post_id: int, token: str) -> str:
    return _SCRATCH.format(post_id, token)


def today() -> dt.date:
    """Views are filed under the UTC day they happen on."""
    return dt.datetime.now(dt.UTC).date()


@dataclass
class ViewBatch:
    """Views gathered between two flushes: counts per (post, day) and who viewed each post."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    counts: Counter[tuple[int, dt.date]] = field(default_factory=Counter)
    viewers: dict[int, set[int]] = field(default_factory=dict)

    def add(self, viewer_id: int, post_ids: Collection[int], day: dt.date) -> None:
        for post_id in post_ids:
            self.counts[(post_id, day)] += 1
            self.viewers.setdefault(post_id, set()).add(viewer_id)

    def __bool__(self) -> bool:
        return bool(self.counts)


@dataclass(frozen=True, slots=True)
class FlushedBatch:
    """One stream entry, as the fold reads it."""

    entry_id: str
    batch_id: str
    counts: dict[tuple[int, dt.date], int]


async def flush_batch(redis: Redis, batch: ViewBatch) -> None:
    """Write a batch to Redis in one MULTI; sending the same batch again adds nothing."""
    encoded = json.dumps([[pid, day.isoformat(), n] for (pid, day), n in sorted(batch.counts.items())])
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(STREAM, {"batch": batch.id, "views": encoded})
        for (post_id, day), count in batch.counts.items():
            pipe.hset(pending_key(post_id), f"{batch.id}:{day.isoformat()}", count)
        for post_id, viewers in batch.viewers.items():
            pipe.pfadd(reach_key(post_id), *sorted(viewers))
        await pipe.execute()


def _parse(entry_id: str, fields: Mapping[Any, Any]) -> FlushedBatch | None:
    try:
        counts = {(int(pid), dt.date.fromisoformat(day)): int(n) for pid, day, n in json.loads(fields[b"views"])}
        return FlushedBatch(entry_id, bytes(fields[b"batch"]).decode(), counts)
    except (KeyError, ValueError, TypeError):
        return None


async def read_batches(redis: Redis, count: int) -> tuple[list[FlushedBatch], list[str]]:
    """The oldest ``count`` flushed batches, and the ids of entries that cannot be read."""
    entries: list[tuple[Any, Any]] = await redis.xrange(STREAM, count=count) or []
    batches, unreadable = [], []
    for raw_id, fields in entries:
        entry_id = bytes(raw_id).decode()
        parsed = _parse(entry_id, fields)
        if parsed is None:
            unreadable.append(entry_id)
        else:
            batches.append(parsed)
    if unreadable:
        log.error("unreadable view batches dropped", extra={"entries": unreadable})
    return batches, unreadable


async def finish_batches(redis: Redis, batches: Sequence[FlushedBatch], unreadable: Sequence[str] = ()) -> None:
    """Forget folded batches: their pending counts, then their entries (both idempotent)."""
    async with redis.pipeline(transaction=False) as pipe:
        for batch in batches:
            for post_id, day in batch.counts:
                pipe.hdel(pending_key(post_id), f"{batch.batch_id}:{day.isoformat()}")
        entry_ids = [batch.entry_id for batch in batches] + list(unreadable)
        if entry_ids:
            pipe.xdel(STREAM, *entry_ids)
        await pipe.execute()


async def pending_views(redis: Redis, post_ids: Sequence[int]) -> dict[int, Counter[dt.date]]:
    """Views per post and day in batches flushed but not yet folded; one round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        for post_id in post_ids:
            pipe.hgetall(pending_key(post_id))
        replies = await pipe.execute()
    found: dict[int, Counter[dt.date]] = {}
    for post_id, reply in zip(post_ids, replies, strict=True):
        per_day: Counter[dt.date] = Counter()
        for name, count in reply.items():
            per_day[dt.date.fromisoformat(name.decode().rpartition(":")[2])] += int(count)
        found[post_id] = per_day
    return found


async def reach(redis: Redis, post_ids: Sequence[int], sketches: Mapping[int, bytes]) -> dict[int, int]:
    """Distinct viewers per post (HyperLogLog: within about 1%): the live sketch together with
    the one saved in PostgreSQL, so a Redis loss does not reset it. One round trip."""
    token = uuid.uuid4().hex
    answers: dict[int, int] = {}  # post -> index of the reply that counts it
    async with redis.pipeline(transaction=False) as pipe:
        for post_id in post_ids:
            saved = sketches.get(post_id)
            if saved is None:
                answers[post_id] = len(pipe)
                pipe.pfcount(reach_key(post_id))
                continue
            scratch = _scratch_key(post_id, token)
            pipe.set(scratch, saved, px=SCRATCH_TTL_MS)
            answers[post_id] = len(pipe)
            pipe.pfcount(reach_key(post_id), scratch)
            pipe.delete(scratch)
        replies = await pipe.execute()
    return {post_id: int(replies[index]) for post_id, index in answers.items()}


async def merged_sketches(redis: Redis, post_ids: Collection[int], saved: Mapping[int, bytes]) -> dict[int, bytes]:
    """Each post's live sketch merged with its saved one, as bytes to save again."""
    token = uuid.uuid4().hex
    answers: dict[int, int] = {}  # post -> index of the reply holding its sketch
    async with redis.pipeline(transaction=False) as pipe:
        for post_id in sorted(post_ids):
            if post_id not in saved:
                answers[post_id] = len(pipe)
                pipe.get(reach_key(post_id))
                continue
            scratch = _scratch_key(post_id, token)
            pipe.set(scratch, saved[post_id], px=SCRATCH_TTL_MS)
            pipe.pfmerge(scratch, reach_key(post_id))
            answers[post_id] = len(pipe)
            pipe.get(scratch)
            pipe.delete(scratch)
        replies = await pipe.execute()
    return {post_id: bytes(replies[index]) for post_id, index in answers.items() if replies[index] is not None}


async def countable(stores: Stores, viewer_id: int, post_ids: Sequence[int]) -> list[int]:
    """Those of ``post_ids`` whose view by ``viewer_id`` counts: posts the viewer may see,
    not their own. One SQL session and at most one graph read for any number of posts."""
    async with stores.reads() as session:
        found = await post_queries.posts_by_ids(session, post_ids)
        authors = await user_queries.by_ids(session, list({post.author_id for post in found.values()}))
    others = [aid for aid in authors if aid != viewer_id]
    relationships = await graph_social.relationships(stores.graph, viewer_id, others) if others else {}
    counted = []
    for post_id in post_ids:
        post = found.get(post_id)
        author = authors.get(post.author_id) if post is not None else None
        if post is None or author is None or author.id == viewer_id:
            continue
        if privacy.can_view_post(viewer_id, post, author, relationships.get(author.id, privacy.NO_RELATIONSHIP)):
            counted.append(post_id)
    return counted


class Buffer(Protocol):
    """Where an API process gathers views between flushes (services/view_buffer.py)."""

    def add(self, viewer_id: int, post_ids: Collection[int], day: dt.date) -> None: ...


async def record_views(stores: Stores, viewer_id: int, post_ids: Sequence[int], buffer: Buffer | None) -> None:
    """Count one view by ``viewer_id`` of each post (an id listed twice counts once). Posts the
    viewer may not see, and the viewer's own, are passed over without a word. Without a
    buffer (a process that serves no API) the views go to Redis at once."""
    limit = stores.settings.record_views_max_posts
    if len(post_ids) > limit:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {limit} posts per call.", "postIds")
    counted = await countable(stores, viewer_id, list(dict.fromkeys(post_ids)))
    if not counted:
        return
    if buffer is not None:
        buffer.add(viewer_id, counted, today())
        return
    batch = ViewBatch()
    batch.add(viewer_id, counted, today())
    await flush_batch(stores.redis, batch)


async def view_counts(stores: Stores, post_ids: Sequence[int]) -> dict[int, int]:
    """Views per post: folded in PostgreSQL plus flushed and not folded yet. Without Redis,
    the folded count alone."""
    async with stores.reads() as session:
        folded = await view_queries.folded_counts(session, post_ids)
    try:
        pending = await pending_views(stores.redis, post_ids)
    except RedisError:
        log.warning("redis unavailable; view counts without the last seconds")
        pending = {}
    return {pid: folded.get(pid, 0) + sum(pending.get(pid, Counter()).values()) for pid in post_ids}
