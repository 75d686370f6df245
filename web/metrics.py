"""``/metrics`` in the Prometheus text format, and the HTTP timing middleware."""

from __future__ import annotations

import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from db import outbox as outbox_queries
from services import metrics
from services.stores import Stores

log = logging.getLogger(__name__)
# Paths are labels only when they are routes of ours; anything else is "other".
KNOWN_ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics")


def route_label(path: str) -> str:
    if path in KNOWN_ROUTES:
        return path
    return "/media" if path.startswith("/media/") else "other"


class HttpMetrics:
    """Times every HTTP request (WebSockets are long-lived and not timed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            metrics.HTTP_LATENCY.labels(scope["method"], route_label(scope["path"]), str(status)).observe(
                time.perf_counter() - started
            )


async def metrics_endpoint(request: Request) -> Response:
    stores: Stores = request.state.stores
    body = generate_latest(metrics.REGISTRY)
    try:
        snapshot = await metrics.shared_snapshot(stores.redis)
    except RedisError:
        log.warning("redis unavailable; job metrics left out of this scrape")
        snapshot = None
    try:
        async with stores.reads() as session:
            backlog: int | None = await outbox_queries.backlog(session)
    except (SQLAlchemyError, OSError):
        log.warning("postgres unavailable; outbox backlog left out of this scrape")
        backlog = None
    if snapshot is not None:
        shared = CollectorRegistry(auto_describe=False)
        shared.register(metrics.SharedCollector(snapshot, backlog))
        body += generate_latest(shared)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
