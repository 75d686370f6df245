"""The Dramatiq broker: Redis in every real deployment."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from jobs.metrics import JobMetrics
from jobs.outbox import OutboxAck, OutboxRelay
from jobs.runtime import WorkerStores
from jobs.sweeps import UploadSweep
from jobs.views import ViewFold
from settings import get_settings

NAMESPACE = "shutter-jobs"


def bind_broker(redis_url: str | None) -> dramatiq.Broker:
    """Make a broker for ``redis_url`` the process-wide one, moving declared actors onto it.

    Actors bind to the global broker when their module is imported, which may happen
    before the process knows its settings (the API's lifespan, a test session).
    Without a URL (exporting the schema, unit tests) a stub broker lets modules import.
    """
    previous = dramatiq.broker.global_broker
    broker: dramatiq.Broker = RedisBroker(url=redis_url, namespace=NAMESPACE) if redis_url else StubBroker()
    # Dramatiq runs before_* hooks in this order and after_* hooks in reverse: the relay stops
    # (before_worker_shutdown) while the loop runs; the stores close (after_worker_shutdown,
    # once jobs have finished) before AsyncIO stops the loop.
    broker.add_middleware(OutboxRelay())
    # The view fold and the upload sweep, like the relay, are loops on the actors' event loop:
    # they stop with the relay, before the stores close.
    broker.add_middleware(ViewFold())
    broker.add_middleware(UploadSweep())
    broker.add_middleware(OutboxAck())
    broker.add_middleware(JobMetrics())
    broker.add_middleware(AsyncIO())
    broker.add_middleware(WorkerStores())
    dramatiq.set_broker(broker)
    if previous is not None:
        for actor in previous.actors.values():
            actor.broker = broker
            broker.declare_actor(actor)
    return broker


def configure_broker() -> dramatiq.Broker:
    """The process-wide broker, made from the environment's settings on first use."""
    current = dramatiq.broker.global_broker
    if current is not None:
        return current
    return bind_broker(get_settings().redis_url)
