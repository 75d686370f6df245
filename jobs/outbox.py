"""The worker's side of the outbox: mark rows done after their job succeeds, and relay
rows that were never enqueued or whose job was lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.broker import MessageProxy

from jobs.runtime import worker_stores
from services import outbox

log = logging.getLogger(__name__)


class OutboxAck(dramatiq.Middleware):
    """The job that handles a row marks it done: only a success, never the enqueueing."""

    def after_process_message(
        self, broker: dramatiq.Broker, message: MessageProxy, *, result: Any = None, exception: Any = None
    ) -> None:
        event_id = message.options.get(outbox.OPTION)
        loop_thread = get_event_loop_thread()
        if exception is None and event_id is not None and loop_thread is not None:
            loop_thread.run_coroutine(outbox.mark_done(worker_stores(), int(event_id)))


class OutboxRelay(dramatiq.Middleware):
    """Polls the outbox from each worker process; SKIP LOCKED keeps relays from colliding."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            self._task = loop_thread.run_coroutine(_start())

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # Wait until the relay has let go of its connection: the store clients close next.
        loop_thread = get_event_loop_thread()
        if self._task is not None and loop_thread is not None:
            loop_thread.run_coroutine(_stop(self._task))
        self._task = None


async def _start() -> asyncio.Task[None]:
    return asyncio.create_task(_relay_forever())


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _relay_forever() -> None:
    stores = worker_stores()
    while True:
        try:
            sent = await outbox.relay_once(stores)
        except asyncio.CancelledError:
            raise
        except Exception:  # a store outage: keep polling, the rows are safe where they are
            log.warning("outbox relay failed; retrying", exc_info=True)
            sent = 0
        if not sent:
            await asyncio.sleep(stores.settings.outbox_poll_seconds)
