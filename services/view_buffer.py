"""Each API process gathers views in memory and flushes them to Redis about once a second
(SHUTTER_VIEW_FLUSH_SECONDS), so a view costs no round trip of its own.

A batch that fails to send is kept and sent again with the same id: if the first attempt
did land, the fold still counts the batch once. A crash loses at most the views gathered
since the last flush; a clean shutdown flushes them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import deque
from collections.abc import Collection

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services import background, views
from services.views import ViewBatch
from settings import Settings

log = logging.getLogger(__name__)


class ViewBuffer:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self._redis = redis
        self._settings = settings
        self._current = ViewBatch()
        self._unsent: deque[ViewBatch] = deque()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def add(self, viewer_id: int, post_ids: Collection[int], day: dt.date) -> None:
        self._current.add(viewer_id, post_ids, day)

    @property
    def unsent(self) -> int:
        """Batches waiting to be sent, the one being gathered included if it has views."""
        return len(self._unsent) + (1 if self._current else 0)

    async def flush(self) -> bool:
        """Send what has been gathered, oldest batch first; False if some could not be sent."""
        async with self._lock:
            if self._current:
                self._unsent.append(self._current)
                self._current = ViewBatch()
            while self._unsent:
                try:
                    await views.flush_batch(self._redis, self._unsent[0])
                except (RedisError, OSError):
                    log.warning("redis unavailable; views kept for the next flush", extra={"batches": self.unsent})
                    self._drop_oldest()
                    return False
                self._unsent.popleft()
            return True

    def _drop_oldest(self) -> None:
        # A long outage must not grow the process without bound.
        while len(self._unsent) > self._settings.view_buffer_max_batches:
            dropped = self._unsent.popleft()
            log.error("view batch dropped after a long redis outage", extra={"views": dropped.counts.total()})

    async def start(self) -> None:
        self._task = asyncio.create_task(self._flush_forever())

    async def stop(self) -> None:
        """Stop flushing on the interval, then send what is left (one attempt)."""
        await background.stop(self._task)
        self._task = None
        await self.flush()

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self._settings.view_flush_seconds)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:  # never let one bad flush stop the loop
                log.exception("view flush failed")
