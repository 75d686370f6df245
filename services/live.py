"""Live delivery of notifications: published on Redis, fanned out in each API process.

Jobs publish a notification's id on its recipient's channel. Each API process holds one
Redis subscriber connection (not one per socket): it subscribes to the channels of the
users with an open subscription there and hands each message to their sockets' queues.
A slow socket cannot hold up the others: its queue is bounded and drops its oldest entry.
The same connection carries the process-wide channels (``LiveHub.listen``), such as the
revoked sign-ins every process must know of.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from services import background
from services.stores import Stores

log = logging.getLogger(__name__)
_CHANNEL = "live:notifications:{}"
QUEUE_SIZE = 100
RETRY_SECONDS = 1.0


def channel(user_id: int) -> str:
    return _CHANNEL.format(user_id)


async def publish(stores: Stores, user_id: int, notification_id: int) -> None:
    """Tell the recipient's open subscriptions, wherever they are; best effort (the
    notification is stored either way)."""
    try:
        await stores.redis.publish(channel(user_id), json.dumps({"id": notification_id}))
    except RedisError:
        log.warning("redis unavailable; live notification not sent", extra={"user_id": user_id})


class LiveHub:
    """The process's one Redis subscriber, shared by every subscription it serves."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._pubsub: PubSub | None = None
        self._queues: dict[int, set[asyncio.Queue[int]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._handlers: dict[str, Callable[[bytes], None]] = {}
        self._handlers_subscribed = False

    def listen(self, name: str, handler: Callable[[bytes], None]) -> None:
        """Hand every message on a process-wide channel to ``handler``; call before ``start``."""
        self._handlers[name] = handler

    async def start(self) -> None:
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await self._subscribe_handlers()
        self._task = asyncio.create_task(self._listen())

    async def _subscribe_handlers(self) -> None:
        """Subscribe the process-wide channels, until it has worked once; redis-py then
        subscribes them again by itself whenever it reconnects."""
        if self._handlers_subscribed or not self._handlers:
            return
        assert self._pubsub is not None
        try:
            await self._pubsub.subscribe(*self._handlers)
        except (RedisError, OSError):
            log.warning("live: redis unavailable; process-wide channels wait")
            return
        self._handlers_subscribed = True

    async def stop(self) -> None:
        await background.stop(self._task)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    @contextlib.asynccontextmanager
    async def subscription(self, user_id: int) -> AsyncIterator[asyncio.Queue[int]]:
        """A queue of notification ids for one socket, for as long as the block runs."""
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=QUEUE_SIZE)
        async with self._lock:
            listeners = self._queues.setdefault(user_id, set())
            if not listeners:
                await self._subscribe(user_id)
            listeners.add(queue)
        try:
            yield queue
        finally:
            async with self._lock:
                listeners.discard(queue)
                if not listeners:
                    del self._queues[user_id]
                    with contextlib.suppress(RedisError, OSError):
                        assert self._pubsub is not None
                        await self._pubsub.unsubscribe(channel(user_id))

    @property
    def listening(self) -> int:
        """How many users have a subscription in this process."""
        return len(self._queues)

    async def _subscribe(self, user_id: int) -> None:
        assert self._pubsub is not None
        await self._pubsub.subscribe(channel(user_id))

    async def _listen(self) -> None:
        assert self._pubsub is not None
        while True:
            if not self._handlers_subscribed and self._handlers:
                await self._subscribe_handlers()
            if not self._pubsub.subscribed:
                await asyncio.sleep(RETRY_SECONDS if self._handlers else 0.05)
                continue
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except (RedisError, OSError):
                # The connection is re-made (and its channels subscribed again) on next use.
                log.warning("live notifications: redis unavailable; retrying")
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if message is not None:
                self._deliver(message)

    def _deliver(self, message: dict[str, Any]) -> None:
        name = message.get("channel")
        text = name.decode() if isinstance(name, bytes) else str(name)
        handler = self._handlers.get(text)
        if handler is not None:
            data = message.get("data")
            try:
                handler(data if isinstance(data, bytes) else str(data).encode())
            except Exception:  # one bad message must not end the process's only subscriber
                log.warning("live: message on %s not handled", text, exc_info=True)
            return
        try:
            user_id = int(text.rsplit(":", 1)[1])
            notification_id = int(json.loads(message["data"])["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            log.warning("live notifications: unreadable message", extra={"channel": text})
            return
        for queue in list(self._queues.get(user_id, ())):
            if queue.full():
                queue.get_nowait()  # a slow socket loses its oldest, never stalls the rest
            queue.put_nowait(notification_id)
