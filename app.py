"""The ASGI application: routes, middleware, and a lifespan that owns every store client."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import TypedDict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from jobs.broker import bind_broker
from schema import build_schema
from services.live import LiveHub
from services.revocations import RevocationWatch, RevokedFamilies
from services.stores import Stores, open_stores
from services.view_buffer import ViewBuffer
from settings import Settings, get_settings
from web.graphql_http import GraphQLHTTP
from web.graphql_ws import GraphQLWebSocket
from web.health import healthz, readyz
from web.logs import configure_logging
from web.media import media_routes
from web.metrics import HttpMetrics, metrics_endpoint
from web.middleware import LastResort, RequestId

log = logging.getLogger("shutter.app")


class State(TypedDict):
    stores: Stores
    live: LiveHub
    revoked: RevokedFamilies  # schema.context.Context.revoked
    view_buffer: ViewBuffer  # schema.context.Context.view_buffer


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    if not settings.secret_key:
        raise RuntimeError("SHUTTER_SECRET_KEY is not set; tokens cannot be signed")
    schema = build_schema(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        stores = open_stores(settings)
        broker = bind_broker(settings.redis_url)
        live = LiveHub(stores.redis)
        revocations = RevocationWatch(stores, live)  # hears announcements through the hub
        await live.start()
        await revocations.start()
        view_buffer = ViewBuffer(stores.redis, settings)
        await view_buffer.start()
        log.info("serving", extra={"graphiql": settings.graphiql_enabled, "env": settings.env})
        # Everything made so far (the schema, modules, clients) lives as long as the
        # process: set it aside, so the collector's full passes skip it while serving.
        gc.collect()
        gc.freeze()
        try:
            yield {"stores": stores, "live": live, "revoked": revocations.revoked, "view_buffer": view_buffer}
        finally:
            await view_buffer.stop()  # sends the views gathered since the last flush
            await revocations.stop()
            await live.stop()
            broker.close()
            await stores.close()

    routes = [
        Route("/graphql", GraphQLHTTP(schema).handle, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", GraphQLWebSocket(schema)),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    if settings.storage_backend == "local":
        routes += media_routes()
    # LastResort inside HttpMetrics, so what it answers is counted as the 500 it is.
    middleware = [Middleware(RequestId), Middleware(HttpMetrics), Middleware(LastResort)]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
