"""What escapes the app answers as JSON with the request id, never a plain-text 500."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from web.middleware import LastResort, RequestId


async def _escaping_cancel(scope: Scope, receive: Receive, send: Send) -> None:
    raise asyncio.CancelledError  # a shared future cancelled under the request


async def _failing(scope: Scope, receive: Receive, send: Send) -> None:
    raise RecursionError("deep")


@pytest.mark.parametrize("app", [_escaping_cancel, _failing], ids=["cancelled", "error"])
async def test_an_escaping_error_answers_json_with_the_request_id(app: object) -> None:
    wrapped = RequestId(LastResort(app))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wrapped), base_url="http://test") as client:
        response = await client.post("/graphql", headers={"x-request-id": "req-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == "req-1"
    assert response.json() == {
        "errors": [
            {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-1"}}
        ]
    }


async def test_a_real_cancellation_goes_on_up() -> None:
    started = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        started.set()
        await asyncio.sleep(60)

    sent: list[object] = []

    async def send(message: object) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    task = asyncio.create_task(LastResort(slow)(scope, receive, send))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sent == []
