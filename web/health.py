"""Liveness and readiness: /healthz says the process runs, /readyz that its stores answer.

Anyone may ask /readyz (load balancers do); which store failed, and why, is told only to
internal callers, the same ones that may read /metrics.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from services.stores import Stores
from web.metrics import internal_caller

CHECK_TIMEOUT_SECONDS = 2.0
log = logging.getLogger("shutter.health")


async def _postgres(stores: Stores) -> None:
    async with stores.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _redis(stores: Stores) -> None:
    await stores.redis.ping()


async def _graph(stores: Stores) -> None:
    await stores.graph.ping()


CHECKS: dict[str, Callable[[Stores], Awaitable[None]]] = {
    "postgres": _postgres,
    "redis": _redis,
    "graph": _graph,
}


async def _run(name: str, check: Callable[[Stores], Awaitable[None]], stores: Stores) -> str | None:
    """None when the store answers, else what went wrong."""
    try:
        await asyncio.wait_for(check(stores), min(CHECK_TIMEOUT_SECONDS, stores.settings.store_timeout_seconds))
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"; say which store
        detail = repr(error)[:300]
        log.warning("readiness check failed", extra={"store": name, "error": detail})
        return detail
    return None


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    stores: Stores = request.state.stores
    results = await asyncio.gather(*(_run(name, check, stores) for name, check in CHECKS.items()))
    errors = {name: error for name, error in zip(CHECKS, results, strict=True) if error is not None}
    body: dict[str, object] = {"status": "unavailable" if errors else "ready"}
    if internal_caller(request):
        # Error texts name hosts and socket paths: for operators, not for the internet.
        body["failing"] = list(errors)
        body["checks"] = {name: "unavailable" if name in errors else "ok" for name in CHECKS}
        body["errors"] = errors
    return JSONResponse(body, status_code=503 if errors else 200)
