"""Fold flushed view batches from Redis into PostgreSQL, each exactly once.

One transaction records the batch ids in ``view_batches_folded`` (their primary key) and adds
the views of the ids it could record; only after it commits are the batches deleted from
Redis. A fold repeated after a crash, a failed delete, a batch sent twice, or two workers
folding at once all meet ids already recorded and add nothing for them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from db import views as view_queries
from services import views
from services.stores import Stores


async def fold_once(stores: Stores) -> int:
    """Fold the oldest flushed batches (SHUTTER_VIEW_FOLD_BATCH_SIZE at most); returns how
    many stream entries were handled."""
    settings = stores.settings
    batches, unreadable = await views.read_batches(stores.redis, settings.view_fold_batch_size)
    if not batches:
        if unreadable:
            await views.finish_batches(stores.redis, [], unreadable)
        return len(unreadable)
    first_of_id: dict[str, views.FlushedBatch] = {}
    for batch in batches:  # a batch sent twice has two entries with one id
        first_of_id.setdefault(batch.batch_id, batch)
    post_ids = {post_id for batch in batches for post_id, _ in batch.counts}
    async with stores.sessions() as session:
        saved = await view_queries.reach_sketches(session, post_ids)
    sketches = await views.merged_sketches(stores.redis, post_ids, saved)
    async with stores.sessions.begin() as session:
        claimed = await view_queries.claim_batches(session, first_of_id)
        days: Counter[tuple[int, dt.date]] = Counter()
        for batch_id in claimed:
            days.update(first_of_id[batch_id].counts)
        live = await view_queries.lock_posts(session, {post_id for post_id, _ in days} | set(sketches))
        # Views of posts removed since are dropped: nothing is left to count them on.
        days = Counter({key: n for key, n in days.items() if key[0] in live})
        totals: Counter[int] = Counter()
        for (post_id, _), count in days.items():
            totals[post_id] += count
        await view_queries.add_views(
            session, totals, days, {pid: sketch for pid, sketch in sketches.items() if pid in live}
        )
        memory = dt.timedelta(hours=settings.view_batch_memory_hours)
        await view_queries.forget_folded(session, dt.datetime.now(dt.UTC) - memory)
    await views.finish_batches(stores.redis, batches, unreadable)
    return len(batches) + len(unreadable)
