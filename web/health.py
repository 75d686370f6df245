"""Liveness and readiness: /healthz says the process runs, /readyz that its stores answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from services.stores import Stores

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


async def _run(name: str, check: Callable[[Stores], Awaitable[None]], stores: Stores) -> str:
    try:
        await asyncio.wait_for(check(stores), min(CHECK_TIMEOUT_SECONDS, stores.settings.store_timeout_seconds))
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"; say which store
        # Details (hosts, socket paths) go to the log, not to anonymous callers.
        log.warning("readiness check failed", extra={"store": name, "error": repr(error)[:300]})
        return "unavailable"
    return "ok"


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    stores: Stores = request.state.stores
    results = await asyncio.gather(*(_run(name, check, stores) for name, check in CHECKS.items()))
    checks = dict(zip(CHECKS, results, strict=True))
    failing = [name for name, result in checks.items() if result != "ok"]
    body = {"status": "unavailable" if failing else "ready", "failing": failing, "checks": checks}
    return JSONResponse(body, status_code=503 if failing else 200)
