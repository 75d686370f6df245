"""Liveness and readiness: /healthz says the process runs, /readyz that its stores answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from services.stores import Stores

CHECK_TIMEOUT_SECONDS = 2.0


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


async def _run(check: Callable[[Stores], Awaitable[None]], stores: Stores) -> str:
    try:
        await asyncio.wait_for(check(stores), CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"; say which
        return f"{type(error).__name__}: {error}"[:300] or type(error).__name__
    return "ok"


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    stores: Stores = request.state.stores
    results = await asyncio.gather(*(_run(check, stores) for check in CHECKS.values()))
    checks = dict(zip(CHECKS, results, strict=True))
    failing = [name for name, result in checks.items() if result != "ok"]
    body = {"status": "unavailable" if failing else "ready", "failing": failing, "checks": checks}
    return JSONResponse(body, status_code=503 if failing else 200)
