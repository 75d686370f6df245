"""Job durations, failures and retries by actor, added into Redis for any API to render."""

from __future__ import annotations

import threading
import time
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from redis import Redis

from services import metrics
from settings import get_settings


class JobMetrics(dramatiq.Middleware):
    def __init__(self) -> None:
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()
        self._redis: Redis | None = None

    def _client(self) -> Redis | None:
        if self._redis is None:
            url = get_settings().redis_url
            if url is None:
                return None
            self._redis = Redis.from_url(url, socket_timeout=get_settings().store_timeout_seconds)
        return self._redis

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        with self._lock:
            self._started[message.message_id] = time.perf_counter()

    def after_process_message(
        self, broker: dramatiq.Broker, message: MessageProxy, *, result: Any = None, exception: Any = None
    ) -> None:
        with self._lock:
            started = self._started.pop(message.message_id, None)
        client = self._client()
        if started is None or client is None:
            return
        retried = int(message.options.get("retries", 0) or 0) > 0  # this run is a retry
        metrics.record_job(
            client, message.actor_name, time.perf_counter() - started, failed=exception is not None, retried=retried
        )

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        with self._lock:
            self._started.pop(message.message_id, None)
