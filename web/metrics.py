"""``/metrics`` in the Prometheus text format, who may read it, and the HTTP timing middleware."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from db import outbox as outbox_queries
from services import metrics
from services.stores import Stores

log = logging.getLogger(__name__)
# Paths are labels only when they are routes of ours; anything else is "other".
KNOWN_ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics")
# A request bearing any of these came through a proxy, so its loopback peer is the proxy.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


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


def _loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:  # no peer, or a Unix socket path
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket
    return address.is_loopback


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Headers arrive decoded as latin-1: encoding back gives the bytes the caller sent.
    return hmac.compare_digest(presented.strip().encode("latin-1"), token.encode())


def internal_caller(request: Request) -> bool:
    """Whether the caller may read metrics and readiness detail (see Settings.metrics_token).

    With a token, only the token counts: a reverse proxy on this host would make every
    client a loopback peer. Without one, the direct peer must be loopback and the request
    must not have been forwarded, whatever uvicorn made of the forwarded headers.
    """
    stores: Stores = request.state.stores
    token = stores.settings.metrics_token
    if token:  # an empty SHUTTER_METRICS_TOKEN= must not make "Bearer " a password
        return _bearer_matches(request, token)
    peer = request.client.host if request.client else None
    return _loopback(peer) and not any(name in request.headers for name in FORWARDING_HEADERS)


async def metrics_endpoint(request: Request) -> Response:
    stores: Stores = request.state.stores
    if not internal_caller(request):
        if stores.settings.metrics_token:
            return PlainTextResponse(
                "metrics need a bearer token\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        return PlainTextResponse("metrics are served to local callers only\n", status_code=403)
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
