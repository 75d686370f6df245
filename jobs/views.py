"""The worker's periodic fold of flushed post views into PostgreSQL (services/view_fold.py).

Every worker process folds; the fold is exact however many run at once, so none has to be
chosen to do it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from jobs.runtime import worker_stores
from services import view_fold

log = logging.getLogger(__name__)


class ViewFold(dramatiq.Middleware):
    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            self._task = loop_thread.run_coroutine(_start())

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # Let go of the store clients before they close (WorkerStores, after the workers stop).
        loop_thread = get_event_loop_thread()
        if self._task is not None and loop_thread is not None:
            loop_thread.run_coroutine(_stop(self._task))
        self._task = None


async def _start() -> asyncio.Task[None]:
    return asyncio.create_task(_fold_forever())


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _fold_forever() -> None:
    stores = worker_stores()
    while True:
        try:
            folded = await view_fold.fold_once(stores)
        except asyncio.CancelledError:
            raise
        except Exception:  # a store outage: the batches wait in Redis, the next round folds them
            log.warning("view fold failed; retrying", exc_info=True)
            folded = 0
        if folded < stores.settings.view_fold_batch_size:
            await asyncio.sleep(stores.settings.view_fold_seconds)
