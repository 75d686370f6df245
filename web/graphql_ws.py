"""GraphQL over WebSocket: graphql-transport-ws and the legacy graphql-ws protocol."""

from __future__ import annotations

import asyncio
import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import CompleteMessage, ErrorMessage
from strawberry.types.execution import ExecutionResult, PreExecutionError

from schema import ShutterSchema
from schema.context import Context
from services.errors import NotAuthenticated
from services.live import LiveHub
from services.revocations import RevokedFamilies
from services.stores import Stores


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """graphql-ws that also runs queries and mutations, as clients of that protocol expect."""

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


class GraphQLWebSocket(GraphQL[Context, None]):
    """Strawberry's protocol handlers with Shutter's context and token check."""

    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, schema: ShutterSchema) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            keep_alive=True,
            keep_alive_interval=15,
            connection_init_wait_timeout=dt.timedelta(seconds=10),
        )

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        stores: Stores = request.state.stores
        live: LiveHub | None = getattr(request.state, "live", None)
        revoked: RevokedFamilies | None = getattr(request.state, "revoked", None)
        return Context(
            stores=stores, connection=request, request_id=request.state.request_id, live=live, revoked=revoked
        )

    async def on_ws_connect(self, context: Context) -> None:
        # A token that is present but bad ends the connection; none at all means anonymous.
        try:
            _ = context.claims
        except NotAuthenticated as error:
            raise ConnectionRejectionError({"message": str(error)}) from error
