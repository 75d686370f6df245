"""The outbox: nothing is lost between a commit and the job it owes."""

from __future__ import annotations

import asyncio

import dramatiq
import pytest
from sqlalchemy import func, select

from db.outbox import OutboxEvent
from jobs.broker import configure_broker
from services import accounts, outbox
from services.stores import Stores

QUEUE, ACTOR = "maintenance", "prune_refresh_tokens"


async def _user(stores: Stores) -> int:
    # The relay leaves young rows to their request; these tests play the relay at once.
    stores.settings = stores.settings.model_copy(update={"outbox_dispatch_grace_seconds": 0})
    session = await accounts.sign_up(
        stores, username="outboxer", email="o@example.com", password="long-enough-pw", full_name=""
    )
    return session.user.id


async def _events(stores: Stores) -> list[OutboxEvent]:
    async with stores.sessions() as session:
        return list(await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


async def _until_done(stores: Stores, seconds: float = 15) -> list[OutboxEvent]:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        events = await _events(stores)
        if all(event.done_at for event in events) or asyncio.get_running_loop().time() > deadline:
            return events
        await asyncio.sleep(0.05)


async def test_a_crash_between_commit_and_enqueue_loses_nothing(stores: Stores, worker: dramatiq.Worker) -> None:
    user_id = await _user(stores)
    async with stores.sessions.begin() as session:
        outbox.record(session, QUEUE, ACTOR, user_id)
    # The process "dies" here: dispatch never runs. The relay finds the row.
    [pending] = await _events(stores)
    assert pending.enqueued_at is None and pending.done_at is None
    assert await outbox.relay_once(stores) == 1
    [done] = await _until_done(stores)
    assert done.done_at is not None and done.attempts == 1
    assert await outbox.relay_once(stores) == 0  # done rows are never sent again


async def test_a_lost_broker_queue_is_sent_again(stores: Stores) -> None:
    user_id = await _user(stores)
    async with stores.sessions.begin() as session:
        event = outbox.record(session, QUEUE, ACTOR, user_id)
    await outbox.dispatch(stores, [event])
    configure_broker().flush_all()  # Redis lost the queue before any worker took the job
    assert await outbox.relay_once(stores) == 0  # enqueued recently: the relay waits
    stores.settings = stores.settings.model_copy(update={"outbox_redeliver_seconds": 0})
    assert await outbox.relay_once(stores) == 1
    running = dramatiq.Worker(configure_broker(), worker_threads=1, worker_timeout=100)
    running.start()
    try:
        [done] = await _until_done(stores)
    finally:
        running.stop()
    assert done.done_at is not None and done.attempts == 2


async def test_concurrent_relays_send_each_row_once(stores: Stores) -> None:
    user_id = await _user(stores)
    async with stores.sessions.begin() as session:
        for _ in range(40):
            outbox.record(session, QUEUE, ACTOR, user_id)
    sent = await asyncio.gather(*(outbox.relay_once(stores) for _ in range(4)))
    assert sum(sent) == 40
    async with stores.sessions() as session:
        assert await session.scalar(select(func.max(OutboxEvent.attempts))) == 1
    configure_broker().flush_all()


@pytest.mark.parametrize("attempts", [9, 10])
async def test_rows_stop_after_their_last_attempt(stores: Stores, attempts: int) -> None:
    user_id = await _user(stores)
    stores.settings = stores.settings.model_copy(update={"outbox_redeliver_seconds": 0})
    async with stores.sessions.begin() as session:
        outbox.record(session, QUEUE, ACTOR, user_id).attempts = attempts
    expected = 1 if attempts < stores.settings.outbox_max_attempts else 0
    assert await outbox.relay_once(stores) == expected
    configure_broker().flush_all()


async def test_the_relay_leaves_rows_just_written_to_their_request(stores: Stores) -> None:
    user_id = await _user(stores)
    stores.settings = stores.settings.model_copy(update={"outbox_dispatch_grace_seconds": 60})
    async with stores.sessions.begin() as session:
        outbox.record(session, QUEUE, ACTOR, user_id)
    assert await outbox.relay_once(stores) == 0
