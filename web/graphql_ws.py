"""GraphQL over WebSocket: graphql-transport-ws and the legacy graphql-ws protocol.

Strawberry runs both protocols. Here a socket is bounded: each message by size and JSON
nesting, malformed messages answered as each protocol says rather than crashing its handler,
at most ``ws_max_subscriptions`` operations at once; and it ends as soon as its sign-in does.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, cast

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from starlette.websockets import WebSocketDisconnected as StarletteDisconnected
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.async_base_view import AsyncBaseHTTPView
from strawberry.http.exceptions import NonTextMessageReceived, WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message, SubscribeMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    CompleteMessage,
    ErrorMessage,
    OperationMessage,
    StartMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from schema import ShutterSchema
from schema.context import Context, connection_context
from services import persisted
from services.errors import ErrorCode, NotAuthenticated
from services.stores import Stores
from web import jsonbody

# graphql-transport-ws closes with these: a message it does not define, a refused sign-in.
INVALID_MESSAGE = 4400
FORBIDDEN = 4403
# RFC 6455 "Message Too Big"; neither GraphQL protocol names a code of its own.
MESSAGE_TOO_BIG = 1009
SIGN_IN_ENDED = "This sign-in has ended. Sign in again."
NOT_JSON = "WebSocket message must be valid JSON"
NOT_AN_OBJECT = "WebSocket message must be a JSON object"
MAX_CLOSE_REASON_BYTES = 123


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A message that is not a JSON object within bounds, handed on so each protocol answers it."""

    reason: str


def _over(text: str, max_bytes: int) -> bool:
    """Whether ``text`` takes more than ``max_bytes`` in UTF-8; encodes only when its length
    leaves that in doubt (a character takes one to four bytes)."""
    if len(text) > max_bytes:
        return True
    return len(text) * 4 > max_bytes and len(text.encode()) > max_bytes


class BoundedWebSocket(ASGIWebSocketAdapter):
    """Strawberry's Starlette adapter, reading each message within the size and nesting bounds.

    An unreadable message arrives as ``Unreadable`` whatever ``ignore_parsing_errors`` says:
    the handlers below decide what each protocol answers."""

    def __init__(
        self, view: AsyncBaseHTTPView[Any, Any, Any, Any, Any, Any, Any], request: WebSocket, response: WebSocket
    ) -> None:
        super().__init__(view, request, response)
        stores: Stores = response.state.stores
        self.max_message_bytes = stores.settings.ws_max_message_bytes

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if _over(text, self.max_message_bytes):
                    await self.close(MESSAGE_TOO_BIG, f"Messages may be at most {self.max_message_bytes} bytes.")
                    return
                yield self._read(text)
        except KeyError as error:  # Starlette's receive_text on a binary message
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass

    def _read(self, text: str) -> object:
        try:
            message = self.view.decode_json(text)
        except jsonbody.TooDeep as error:
            return Unreadable(str(error))
        except ValueError:
            return Unreadable(NOT_JSON)
        return message if isinstance(message, dict) else Unreadable(NOT_AN_OBJECT)

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await super().send_json(message)
        except StarletteDisconnected as error:  # already closed here: the handlers' "disconnected"
            raise WebSocketDisconnected from error

    async def close(self, code: int, reason: str) -> None:
        # A handler and a revoked sign-in may both end a socket; the first one does.
        if self.ws.application_state == WebSocketState.DISCONNECTED:
            return
        with contextlib.suppress(WebSocketDisconnect, StarletteDisconnected):
            await super().close(code, _close_reason(reason))


def _close_reason(reason: str) -> str:
    """``reason`` cut to what a close frame holds (RFC 6455: 123 bytes of UTF-8); Strawberry
    names the client's message type in it, which may be any length."""
    cut = reason.encode()[:MAX_CLOSE_REASON_BYTES]
    return cut.decode(errors="ignore")


def _operation_problem(payload: object) -> str | None:
    """What is wrong with the payload of a subscribe (or legacy start) message, if anything."""
    if not isinstance(payload, dict):
        return "The message's 'payload' must be an object."
    persisted_only = payload.get("query") is None and isinstance(payload.get("extensions"), dict)
    if not isinstance(payload.get("query"), str) and not (persisted_only and "persistedQuery" in payload["extensions"]):
        return "The payload's 'query' must be a string."
    for name, kind, described in (
        ("variables", dict, "an object"),
        ("extensions", dict, "an object"),
        ("operationName", str, "a string"),
    ):
        if payload.get(name) is not None and not isinstance(payload[name], kind):
            return f"The payload's '{name}' must be {described}."
    return None


def _message_problem(message: object, operation_types: tuple[str, str]) -> str | None:
    """What makes ``message`` unfit to hand to Strawberry, which indexes it unchecked; the
    operation types (those with an id, the first with a payload) differ by protocol."""
    if isinstance(message, Unreadable):
        return message.reason
    if not isinstance(message, dict):
        return NOT_AN_OBJECT  # the adapter hands on objects only
    kind = message.get("type")
    if not isinstance(kind, str):
        return "The message's 'type' must be a string."
    if kind in operation_types and not (isinstance(message.get("id"), str) and message["id"]):
        return f"A '{kind}' message needs a non-empty string 'id'."
    if kind == operation_types[0]:
        return _operation_problem(message.get("payload"))
    return None


async def _persisted_document(context: Context, payload: dict[str, Any]) -> GraphQLError | None:
    """Put the document a persisted-query hash names into ``payload`` (as over HTTP); the
    error to answer that operation with when there is none."""
    if not isinstance(payload.get("extensions"), dict) or "persistedQuery" not in payload["extensions"]:
        return None
    stores = context.stores
    try:
        document = await persisted.resolve(stores.redis, stores.settings, payload.get("query"), payload["extensions"])
    except persisted.PersistedQueryError as error:
        return GraphQLError(error.message, extensions={"code": error.code})
    payload["query"] = document.query
    return None


def _too_many(max_operations: int) -> GraphQLError:
    # A quota, not a malformed request: the same message succeeds once another operation ends.
    return GraphQLError(
        f"At most {max_operations} operations may run at once on one connection; complete one first.",
        extensions={"code": ErrorCode.RATE_LIMITED.value},
    )


class SignInWatch:
    """Ends a socket as soon as its sign-in is revoked (logOut, a reused refresh token, a
    suspension), not when its next event finds the token refused."""

    def __init__(self) -> None:
        self._unwatch: Callable[[], None] | None = None
        self._ending: asyncio.Task[None] | None = None  # held: the loop keeps only weak references

    def start(self, context: Context, end: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Watch the sign-in of an acknowledged connection; anonymous ones have none."""
        claims = context.claims  # accepted by on_ws_connect already
        if self._unwatch is not None or claims is None or context.revoked is None:
            return

        def revoked() -> None:
            self._ending = asyncio.get_running_loop().create_task(end())

        self._unwatch = context.revoked.watch(claims.family_id, revoked)

    def stop(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None


class Bounded:
    """What both protocols' handlers share: the operation cap and the sign-in watch."""

    context: Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_operations = self.context.stores.settings.ws_max_subscriptions
        self.sign_in = SignInWatch()

    async def handle(self) -> None:
        try:
            await super().handle()  # type: ignore[misc]
        finally:
            self.sign_in.stop()


class TransportWSHandler(Bounded, BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws: an invalid message closes the socket with 4400, as the protocol says."""

    async def handle_message(self, message: Message) -> None:
        problem = _message_problem(message, ("subscribe", "complete"))
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)
        if message["type"] == "connection_init" and self.connection_acknowledged:
            self.sign_in.start(self.context, self._end_sign_in)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # Counted as Strawberry counts: operations in flight, queries and mutations included.
        if (
            self.connection_acknowledged
            and message["id"] not in self.operations
            and len(self.operations) >= self.max_operations
        ):
            error = _too_many(self.max_operations)
            await self.send_message({"id": message["id"], "type": "error", "payload": [error.formatted]})
            return
        if self.connection_acknowledged:
            missing = await _persisted_document(self.context, cast(dict[str, Any], message["payload"]))
            if missing is not None:
                await self.send_message({"id": message["id"], "type": "error", "payload": [missing.formatted]})
                return
        await super().handle_subscribe(message)

    async def _end_sign_in(self) -> None:
        for operation_id in list(self.operations):  # stopped first, so none sends to a closed socket
            await self.cleanup_operation(operation_id)
        await self.websocket.close(FORBIDDEN, SIGN_IN_ENDED)


class LegacyWSHandler(Bounded, BaseGraphQLWSHandler[Context, None]):
    """graphql-ws that also runs queries and mutations, as clients of that protocol expect.

    The protocol defines no closing codes: as its reference server (subscriptions-transport-ws)
    does, an unreadable message gets a ``connection_error``, a malformed one an ``error``, and
    the socket stays open."""

    async def handle_message(self, message: OperationMessage) -> None:
        raw: object = message
        problem = _message_problem(raw, ("start", "stop"))
        if problem is not None:
            operation_id = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(operation_id, str):
                await self.send_message(ErrorMessage(type="error", id=operation_id, payload={"message": problem}))
            else:
                await self.send_message({"type": "connection_error", "payload": {"message": problem}})
            return
        await super().handle_message(message)
        if message["type"] == "connection_init" and self.connection_acknowledged:
            self.sign_in.start(self.context, self._end_sign_in)

    async def handle_start(self, message: StartMessage) -> None:
        operation_id = message["id"]
        # An id already running is replaced by Strawberry, so it does not add one.
        if self.connection_acknowledged and operation_id not in self.tasks and len(self.tasks) >= self.max_operations:
            error = _too_many(self.max_operations)
            await self.send_message(ErrorMessage(type="error", id=operation_id, payload=error.formatted))
            return
        if self.connection_acknowledged:
            missing = await _persisted_document(self.context, cast(dict[str, Any], message["payload"]))
            if missing is not None:
                await self.send_message(ErrorMessage(type="error", id=operation_id, payload=missing.formatted))
                return
        await super().handle_start(message)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        try:
            results = await self.schema.stream(
                query=query,
                variable_values=variables,
                operation_name=operation_name,
                context_value=self.context,
                root_value=self.root_value,
            )
            self.subscriptions[operation_id] = results
            first = True
            async for result in results:
                if first and isinstance(result, PreExecutionError):
                    errors = result.errors or []
                    payload = errors[0].formatted if errors else {"message": "Invalid operation."}
                    await self.send_message(ErrorMessage(type="error", id=operation_id, payload=payload))
                    return
                if isinstance(result, ExecutionResult):  # incremental delivery is not enabled
                    await self.send_data_message(result, operation_id)
                first = False
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        except asyncio.CancelledError:
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)

    async def _end_sign_in(self) -> None:
        await self.cleanup()  # each operation ends with its `complete`
        with contextlib.suppress(WebSocketDisconnected):
            await self.send_message({"type": "connection_error", "payload": {"message": SIGN_IN_ENDED}})
        await self.websocket.close(FORBIDDEN, SIGN_IN_ENDED)


class GraphQLWebSocket(GraphQL[Context, None]):
    """Strawberry's protocol handlers with Shutter's context, token check and bounds."""

    websocket_adapter_class = BoundedWebSocket
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, schema: ShutterSchema) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            keep_alive=True,
            keep_alive_interval=15,
            connection_init_wait_timeout=dt.timedelta(seconds=10),
            # The handlers apply ws_max_subscriptions themselves, with a coded error.
            max_subscriptions_per_connection=None,
        )

    def decode_json(self, data: str | bytes) -> object:
        return jsonbody.load(data)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return connection_context(request)

    async def on_ws_connect(self, context: Context) -> None:
        # A token that is present but bad ends the connection; none at all means anonymous.
        try:
            _ = context.claims
        except NotAuthenticated as error:
            raise ConnectionRejectionError({"message": str(error)}) from error
