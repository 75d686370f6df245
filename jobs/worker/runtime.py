"""Store clients for a worker process: opened on first use inside the actors' event loop,
closed on that loop when the worker shuts down."""

from __future__ import annotations

import functools

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from services.stores import Stores, open_stores
from settings import get_settings


@functools.cache
def worker_stores() -> Stores:
    return open_stores(get_settings())


class WorkerStores(dramatiq.Middleware):
    """Closes the worker's store clients once its jobs have finished (after_worker_shutdown
    comes after the worker threads are joined), before AsyncIO stops the loop (registered
    after it, so its after_* hook runs first)."""

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if worker_stores.cache_info().currsize == 0:
            return
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            loop_thread.run_coroutine(worker_stores().close())
        worker_stores.cache_clear()
