"""The worker's side of the outbox: mark rows done after their job succeeds, and relay
rows that were never enqueued or whose job was lost."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.broker import MessageProxy

from jobs.worker.loops import Loop
from jobs.worker.runtime import worker_stores
from services import outbox
from services.stores import Stores


class OutboxAck(dramatiq.Middleware):
    """The job that handles a row marks it done: only a success, never the enqueueing."""

    def after_process_message(
        self, broker: dramatiq.Broker, message: MessageProxy, *, result: Any = None, exception: Any = None
    ) -> None:
        event_id = message.options.get(outbox.OPTION)
        loop_thread = get_event_loop_thread()
        if exception is None and event_id is not None and loop_thread is not None:
            loop_thread.run_coroutine(outbox.mark_done(worker_stores(), int(event_id)))


class OutboxRelay(Loop):
    """Polls the outbox from each worker process; SKIP LOCKED keeps relays from colliding.
    A failed poll leaves the rows where they are, safe for the next one."""

    async def round(self, stores: Stores) -> bool:
        return await outbox.relay_once(stores) > 0

    def pause_seconds(self, stores: Stores) -> float:
        return stores.settings.outbox_poll_seconds
