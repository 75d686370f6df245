"""Side effects that survive crashes: recorded with the write, enqueued after it, re-enqueued
until the job that handles them marks them done.

A crash between commit and enqueue loses nothing: the relay finds rows never enqueued, and
rows enqueued too long ago without being done (a lost broker queue, a dead worker).
Jobs are idempotent, so a repeat is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.outbox import OutboxEvent
from jobs import queue
from services.stores import Stores

log = logging.getLogger(__name__)

# The message option that carries the outbox row's id to the worker.
OPTION = "outbox_id"


def record(session: AsyncSession, queue_name: str, actor: str, *args: Any) -> OutboxEvent:
    """Add a job to the caller's transaction; it runs only if that transaction commits."""
    event = OutboxEvent(queue=queue_name, actor=actor, args=list(args))
    session.add(event)
    return event


Job = tuple[str, str, Sequence[Any]]  # queue, actor, arguments


async def emit(stores: Stores, *jobs: Job) -> None:
    """Record and send jobs owed by a write made outside Postgres (the graph). That write
    is idempotent, so if this fails the client's retry repeats both and they converge."""
    if not jobs:
        return
    async with stores.sessions.begin() as session:
        events = [record(session, queue_name, actor, *args) for queue_name, actor, args in jobs]
    await dispatch(stores, events)


async def dispatch(stores: Stores, events: Sequence[OutboxEvent]) -> None:
    """Enqueue just-committed events at once; what fails here the relay sends later."""
    sent = [event.id for event in events if await _send(event)]
    if sent:
        async with stores.sessions.begin() as session:
            await _mark_enqueued(session, sent)


async def relay_once(stores: Stores) -> int:
    """Enqueue events never sent, or sent long ago and still not done; returns how many."""
    settings = stores.settings
    now = dt.datetime.now(dt.UTC)
    stale = now - dt.timedelta(seconds=settings.outbox_redeliver_seconds)
    fresh = now - dt.timedelta(seconds=settings.outbox_dispatch_grace_seconds)
    async with stores.sessions.begin() as session:
        events = list(
            await session.scalars(
                select(OutboxEvent)
                .where(
                    OutboxEvent.done_at.is_(None),
                    OutboxEvent.attempts < settings.outbox_max_attempts,
                    or_(
                        # Rows just committed are being sent by their own request.
                        and_(OutboxEvent.enqueued_at.is_(None), OutboxEvent.created_at < fresh),
                        OutboxEvent.enqueued_at < stale,
                    ),
                )
                .order_by(OutboxEvent.id)
                .limit(settings.outbox_batch_size)
                # Several relays (one per worker) share the table without sending a row twice.
                .with_for_update(skip_locked=True)
            )
        )
        sent = [event.id for event in events if await _send(event)]
        await _mark_enqueued(session, sent)
    for event in events:
        if event.attempts + 1 >= settings.outbox_max_attempts and event.id in sent:
            log.error("outbox event on its last attempt", extra={"outbox_id": event.id, "actor": event.actor})
    return len(sent)


async def mark_done(stores: Stores, event_id: int) -> None:
    async with stores.sessions.begin() as session:
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id == event_id).values(done_at=dt.datetime.now(dt.UTC))
        )


async def _send(event: OutboxEvent) -> bool:
    return await queue.enqueue(event.queue, event.actor, *event.args, options={OPTION: event.id})


async def _mark_enqueued(session: AsyncSession, ids: list[int]) -> None:
    if ids:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(ids))
            .values(enqueued_at=dt.datetime.now(dt.UTC), attempts=OutboxEvent.attempts + 1)
        )
