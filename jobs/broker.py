"""The Dramatiq broker: Redis in every real deployment."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from settings import get_settings

NAMESPACE = "shutter-jobs"


def configure_broker() -> dramatiq.Broker:
    """Set the process-wide broker once. Actors bind to it when their module is imported.

    Without a Redis URL (exporting the schema, unit tests) a stub broker lets the actor
    modules import; nothing can be enqueued to it from another process.
    """
    current = dramatiq.broker.global_broker
    if current is not None:
        return current
    redis_url = get_settings().redis_url
    broker: dramatiq.Broker = RedisBroker(url=redis_url, namespace=NAMESPACE) if redis_url else StubBroker()
    broker.add_middleware(AsyncIO())
    dramatiq.set_broker(broker)
    return broker
