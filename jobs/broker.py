"""The Dramatiq broker: Redis in every real deployment.

Binding it is all an enqueuing process needs. A worker process also runs middleware (the
outbox relay and ack, loops, metrics, AsyncIO): the worker side hands it over through
``serve_jobs`` when it loads, so this side never imports what the worker runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from settings import get_settings

NAMESPACE = "shutter-jobs"

WorkerMiddleware = Callable[[], Sequence[dramatiq.Middleware]]

# Set once this process loads the worker side: brokers bound from then on get fresh
# instances of the worker's middleware, as they get the declared actors.
_worker_middleware: WorkerMiddleware | None = None


def bind_broker(redis_url: str | None) -> dramatiq.Broker:
    """Make a broker for ``redis_url`` the process-wide one, moving declared actors onto it.

    Actors bind to the global broker when their module is imported, which may happen
    before the process knows its settings (the API's lifespan, a test session).
    Without a URL (exporting the schema, unit tests) a stub broker lets modules import.
    """
    previous = dramatiq.broker.global_broker
    broker: dramatiq.Broker = RedisBroker(url=redis_url, namespace=NAMESPACE) if redis_url else StubBroker()
    if _worker_middleware is not None:
        for middleware in _worker_middleware():
            broker.add_middleware(middleware)
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


def serve_jobs(middleware: WorkerMiddleware) -> dramatiq.Broker:
    """Make this process one that runs jobs: its broker, and every one bound after, carries
    ``middleware()`` (called once per broker, in the order Dramatiq is to run it)."""
    global _worker_middleware  # noqa: PLW0603 - one worker side per process, like the global broker
    if _worker_middleware is middleware:
        return configure_broker()
    _worker_middleware = middleware
    current = dramatiq.broker.global_broker
    if current is None:
        return bind_broker(get_settings().redis_url)
    for each in middleware():
        current.add_middleware(each)
    return current
