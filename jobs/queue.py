"""Enqueue jobs by name, so services can ask for work without importing the actors."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from dramatiq import Message
from dramatiq.errors import DramatiqError
from redis.exceptions import RedisError

from jobs.broker import configure_broker

log = logging.getLogger(__name__)


async def enqueue(queue_name: str, actor_name: str, *args: Any, options: dict[str, Any] | None = None) -> bool:
    """Send one message; False (and a warning) when the broker cannot take it."""
    message: Message[Any] = Message(
        queue_name=queue_name, actor_name=actor_name, args=args, kwargs={}, options=dict(options or {})
    )
    try:
        # The broker is looked up per call: a process may bind another one (the API's lifespan).
        await asyncio.to_thread(configure_broker().enqueue, message)
    except (RedisError, OSError, DramatiqError) as error:
        log.warning("could not enqueue %s: %s", actor_name, error)
        return False
    return True
