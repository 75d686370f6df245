"""Schema extensions: fresh loaders per operation, and the shaping of top-level errors.

Every top-level error leaves with ``extensions.code``. Known failures keep their message;
anything unexpected is logged with the request id and masked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError
from strawberry.extensions import SchemaExtension

from graph import GraphUnavailable
from schema.context import Context
from services.errors import DomainError, NotAuthenticated, StoreUnavailable

log = logging.getLogger("shutter.graphql")

UNAUTHENTICATED = "UNAUTHENTICATED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
INTERNAL = "INTERNAL_SERVER_ERROR"
BAD_USER_INPUT = "BAD_USER_INPUT"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


def _store_of(error: BaseException) -> str | None:
    if isinstance(error, StoreUnavailable):
        return error.store
    if isinstance(error, GraphUnavailable):
        return "graph"
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return "redis"
    if isinstance(error, InterfaceError) or (isinstance(error, DBAPIError) and error.connection_invalidated):
        return "postgres"
    if isinstance(error, OSError | TimeoutError) and "connect" in str(error).lower():
        return "postgres"
    return None


def _request_error_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError) or "tokens" in error.message:
        return PARSE_FAILED
    if error.path is None and error.message.startswith("Variable '$"):
        return BAD_USER_INPUT
    return VALIDATION_FAILED if error.path is None else BAD_USER_INPUT


def shape_error(error: GraphQLError, request_id: str) -> GraphQLError:
    """The error as a client should see it."""
    original = error.original_error
    if original is None:
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": _request_error_code(error)}
        return error
    code: str
    message = str(original)
    extensions: dict[str, object] = {}
    if isinstance(original, NotAuthenticated):
        code = UNAUTHENTICATED
    elif isinstance(original, DomainError):
        code = original.code.value
        message = original.message
        if original.field:
            extensions["field"] = original.field
    elif isinstance(original, GraphQLError):
        return shape_error(original, request_id)
    elif (store := _store_of(original)) is not None:
        code = SERVICE_UNAVAILABLE
        message = f"The {store} store is unavailable; try again shortly."
        extensions["store"] = store
        log.warning("store unavailable", extra={"request_id": request_id, "store": store})
    else:
        log.error(
            "unexpected error in %s",
            ".".join(str(p) for p in error.path or ()),
            exc_info=original,
            extra={"request_id": request_id},
        )
        code = INTERNAL
        message = "Internal server error."
        extensions["requestId"] = request_id
    return GraphQLError(
        message,
        nodes=error.nodes,
        path=error.path,
        extensions={**extensions, "code": code},
    )


class ErrorShaping(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.reset_loaders()
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = context.request_id if isinstance(context, Context) else "-"
        result.errors = [shape_error(e, request_id) for e in result.errors]
