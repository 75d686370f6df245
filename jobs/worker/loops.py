"""Work a worker process repeats for as long as it runs, on the actors' event loop."""

from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from jobs.worker.runtime import worker_stores
from services import background
from services.stores import Stores

log = logging.getLogger(__name__)


class Loop(dramatiq.Middleware):
    """Starts ``round`` when the worker boots and runs it again and again until shutdown.

    A failed round (a store outage) is logged and tried again after the pause; whatever it
    was working on waits where it is. The loop stops before the worker's store clients close.
    """

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    async def round(self, stores: Stores) -> bool:
        """One pass; True when more work is known to be waiting, so no pause is due."""

    @abstractmethod
    def pause_seconds(self, stores: Stores) -> float:
        """How long to wait after a pass that left nothing waiting."""

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            self._task = loop_thread.run_coroutine(self._start())

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = get_event_loop_thread()
        if self._task is not None and loop_thread is not None:
            loop_thread.run_coroutine(background.stop(self._task))
        self._task = None

    async def _start(self) -> asyncio.Task[None]:
        return asyncio.create_task(self.forever(worker_stores()))

    async def forever(self, stores: Stores) -> None:
        name = type(self).__name__
        while True:
            try:
                busy = await self.round(stores)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("%s failed; retrying", name, exc_info=True)
                busy = False
            if not busy:
                await asyncio.sleep(self.pause_seconds(stores))
