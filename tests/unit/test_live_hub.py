"""The live hub hands each message to every socket of its user; a slow socket drops its
oldest entries instead of holding up the others."""

from __future__ import annotations

import asyncio
import json

from redis.asyncio import Redis

from services.live import QUEUE_SIZE, LiveHub, channel


def _message(user_id: int, notification_id: int) -> dict[str, object]:
    return {"type": "message", "channel": channel(user_id).encode(), "data": json.dumps({"id": notification_id})}


def test_a_slow_socket_loses_its_oldest_and_blocks_nobody() -> None:
    hub = LiveHub(Redis())  # never connects: messages are handed in directly
    slow: asyncio.Queue[int] = asyncio.Queue(maxsize=QUEUE_SIZE)
    fast: asyncio.Queue[int] = asyncio.Queue(maxsize=QUEUE_SIZE)
    other: asyncio.Queue[int] = asyncio.Queue(maxsize=QUEUE_SIZE)
    hub._queues = {7: {slow, fast}, 8: {other}}
    for n in range(QUEUE_SIZE + 5):
        hub._deliver(_message(7, n))
        fast.get_nowait()  # this socket keeps up
    assert fast.empty() and other.empty()
    assert slow.qsize() == QUEUE_SIZE
    assert slow.get_nowait() == 5  # the five oldest went
    hub._deliver(_message(8, 99))
    assert other.get_nowait() == 99


def test_unreadable_messages_are_ignored() -> None:
    hub = LiveHub(Redis())
    queue: asyncio.Queue[int] = asyncio.Queue()
    hub._queues = {7: {queue}}
    hub._deliver({"type": "message", "channel": b"live:notifications:7", "data": "not json"})
    hub._deliver({"type": "message", "channel": b"nonsense", "data": json.dumps({"id": 1})})
    assert queue.empty()
