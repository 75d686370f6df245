"""GraphQL over WebSocket: graphql-transport-ws and the legacy graphql-ws protocol."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from schema import ShutterSchema
from schema.context import Context
from services.errors import NotAuthenticated
from services.stores import Stores


class GraphQLWebSocket(GraphQL[Context, None]):
    """Strawberry's protocol handlers with Shutter's context and token check."""

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
        return Context(stores=stores, connection=request, request_id=request.state.request_id)

    async def on_ws_connect(self, context: Context) -> None:
        # A token that is present but bad ends the connection; none at all means anonymous.
        try:
            _ = context.claims
        except NotAuthenticated as error:
            raise ConnectionRejectionError({"message": str(error)}) from error
