"""Plain ASGI middleware: a request id on every HTTP request and WebSocket, and a JSON answer
for whatever escapes the app."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("shutter.http")

HEADER = "x-request-id"
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestId:
    """Takes a sane X-Request-ID from the client or makes one; echoes it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _ACCEPTABLE.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


class LastResort:
    """Whatever escapes the app answers as JSON with the request id, never a plain-text 500.

    A CancelledError that reaches here without this task being cancelled escaped from inside
    a request (a shared future cancelled under it): it is answered like any other error. A
    real cancellation (the server shutting down) goes on up.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except asyncio.CancelledError as error:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            await self._answer(scope, send, started, error)
        except Exception as error:  # noqa: BLE001 - the last place anything can be answered
            await self._answer(scope, send, started, error)

    async def _answer(self, scope: Scope, send: Send, started: bool, error: BaseException) -> None:
        request_id = scope.get("state", {}).get("request_id", "-")
        log.error("unhandled error", exc_info=error, extra={"request_id": request_id})
        if started:
            return  # the status line is gone; the connection ends with what was sent
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": "Internal server error.",
                        "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                    }
                ]
            }
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": body})
