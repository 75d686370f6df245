"""Schema extensions: fresh loaders per operation, and the shaping of top-level errors.

Every top-level error leaves with ``extensions.code``. Known failures keep their message;
anything unexpected is logged with the request id and masked. Errors are shaped on every
transport: HTTP results after the operation, streamed (WebSocket) results as they go.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Iterator

from graphql import FieldNode, GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, get_operation_ast
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from graph import GraphUnavailable
from schema.context import Context
from services import metrics, persisted
from services.errors import DomainError, ErrorCode, NotAuthenticated, StoreUnavailable
from storage import StorageError

log = logging.getLogger("shutter.graphql")

UNAUTHENTICATED = "UNAUTHENTICATED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
INTERNAL = "INTERNAL_SERVER_ERROR"
BAD_USER_INPUT = "BAD_USER_INPUT"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
TOKEN_LIMIT_MESSAGE = "Document contains more than"  # MaxTokensLimiter's parse error


def _store_of(error: BaseException) -> str | None:
    if isinstance(error, StoreUnavailable):
        return error.store
    if isinstance(error, GraphUnavailable):
        return "graph"
    if isinstance(error, StorageError):
        return "media"
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return "redis"
    if isinstance(error, InterfaceError | SQLAlchemyTimeoutError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        return "postgres"
    # Only PostgreSQL is reached through a raw socket here (the embedded server's is a Unix
    # socket, which raises FileNotFoundError when it is gone).
    if isinstance(error, OSError | TimeoutError):
        return "postgres"
    return None


# PostgreSQL's character_not_in_repertoire: the one character its text cannot hold is NUL.
_NOT_IN_REPERTOIRE = "22021"


def _text_postgres_refused(error: BaseException) -> bool:
    """A value PostgreSQL refused as text: a NUL the caller sent where nothing checked for it."""
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    return _NOT_IN_REPERTOIRE in (getattr(orig, "sqlstate", None), getattr(orig, "pgcode", None))


def _request_error_code(error: GraphQLError, executing: bool) -> str:
    if isinstance(error, GraphQLSyntaxError) or error.message.startswith(TOKEN_LIMIT_MESSAGE):
        return PARSE_FAILED
    if error.path is not None:
        return BAD_USER_INPUT
    # Without a path: before execution it is the document; once executing, the variables.
    return BAD_USER_INPUT if executing else VALIDATION_FAILED


FORBIDDEN = "FORBIDDEN"
# Domain codes that are no fault in the arguments: they keep a standard code of their own.
_NOT_INPUT = {ErrorCode.FORBIDDEN: FORBIDDEN, ErrorCode.NOT_ALLOWED: FORBIDDEN, ErrorCode.RATE_LIMITED: "RATE_LIMITED"}


def top_level_code(code: ErrorCode) -> tuple[str, str | None]:
    """The Apollo-standard code a domain failure answers with as a top-level error, and
    Shutter's own code beside it as the reason. (Payload errors keep Shutter's codes.)"""
    standard = _NOT_INPUT.get(code)
    if standard is None:
        return BAD_USER_INPUT, code.value
    return standard, None if standard == code.value else code.value


def shape_error(error: GraphQLError, request_id: str, *, executing: bool = False) -> GraphQLError:
    """The error as a client should see it."""
    original = error.original_error
    if original is None:
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": _request_error_code(error, executing)}
        return error
    code: str
    message = str(original)
    extensions: dict[str, object] = {}
    if isinstance(original, NotAuthenticated):
        code = UNAUTHENTICATED
    elif isinstance(original, DomainError):
        code, reason = top_level_code(original.code)
        if reason is not None:
            extensions["reason"] = reason
        message = original.message
        if original.field:
            extensions["field"] = original.field
    elif isinstance(original, GraphQLError):
        # Raised inside a resolver (a permission check): keep where it happened.
        inner = shape_error(original, request_id, executing=executing)
        return GraphQLError(inner.message, nodes=error.nodes, path=error.path, extensions=inner.extensions)
    elif _text_postgres_refused(original):
        code = BAD_USER_INPUT
        extensions["reason"] = ErrorCode.INVALID_INPUT.value
        message = "Text cannot hold a NUL character (\\u0000)."
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
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions={**extensions, "code": code})


SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestion(error: GraphQLError) -> GraphQLError:
    message = SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=error.extensions)


AMBIGUOUS = "Must provide operation name if query contains multiple operations."


def invalid_text_at(value: object, path: str) -> str | None:
    """Where in a variable's value a string holds an unpaired surrogate, if anywhere. JSON may
    carry one (``"\\ud800"``), but it is no Unicode text: no store can take it, nor can it be
    written back out as UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        items: Iterator[tuple[object, object]] = iter(value.items())
    elif isinstance(value, list):
        items = iter(enumerate(value))
    else:
        return None
    for key, item in items:
        found = invalid_text_at(key, path) or invalid_text_at(item, f"{path}.{key}")
        if found is not None:
            return found
    return None


class ErrorShaping(SchemaExtension):
    executing = False

    def _request_id(self) -> str:
        context = self.execution_context.context
        return context.request_id if isinstance(context, Context) else "-"

    def _shape(self, result: ExecutionResult | None) -> None:
        if result is not None and result.errors:
            request_id = self._request_id()
            result.errors = [shape_error(e, request_id, executing=self.executing) for e in result.errors]

    async def on_operation(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        if isinstance(context, Context):
            context.reset_loaders()
        started = time.perf_counter()
        yield
        result: ExecutionResult | None = execution.result  # type: ignore[assignment]
        self._shape(result)
        await self._hide_suggestions(result)
        self._measure(time.perf_counter() - started, result)

    async def _hide_suggestions(self, result: ExecutionResult | None) -> None:
        """In production, "Did you mean ...?" would map the schema for those who may not
        introspect it: staff alone keep the hints."""
        context = self.execution_context.context
        if result is None or not result.errors or not isinstance(context, Context):
            return
        if context.stores.settings.env != "production":
            return
        if not any(SUGGESTION.search(error.message) for error in result.errors):
            return
        if await context.viewer_is_staff():
            return
        result.errors = [without_suggestion(error) for error in result.errors]

    def _measure(self, seconds: float, result: ExecutionResult | None) -> None:
        """Latency by operation name, errors by code, and one log line per operation."""
        execution = self.execution_context
        name = self._label()
        try:
            kind = execution.operation_type.value
        except RuntimeError:  # the document never parsed or named no operation
            kind = "unknown"
        metrics.GRAPHQL_LATENCY.labels(name, kind).observe(seconds)
        codes = (
            [str((error.extensions or {}).get("code", INTERNAL)) for error in (result.errors or [])] if result else []
        )
        for code in codes:
            metrics.GRAPHQL_ERRORS.labels(code).inc()
        log.info(
            "graphql operation",
            extra={
                "request_id": self._request_id(),
                "operation": execution.operation_name,
                "operation_type": kind,
                "duration_ms": round(seconds * 1000, 2),
                "error_codes": codes,
                "cost": getattr(execution.context, "cost", None),
            },
        )

    def _label(self) -> str:
        """The operation's metrics label from a bounded set: the names of the server's trusted
        documents, else the schema's root field the operation starts with (clients choose
        operation names freely, so those are no label of their own)."""
        execution = self.execution_context
        context = execution.context
        if isinstance(context, Context) and context.trusted_document:
            return metrics.operation_label(execution.operation_name)
        document = execution.graphql_document
        operation = get_operation_ast(document, execution.operation_name) if document is not None else None
        root = execution.schema._schema.get_root_type(operation.operation) if operation is not None else None
        if operation is None or root is None:
            return "unknown"
        for selection in operation.selection_set.selections:
            if isinstance(selection, FieldNode) and selection.name.value in root.fields:
                return f"{operation.operation.value}.{selection.name.value}"
        return "unknown"

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        request = context.context
        if isinstance(request, Context) and context.query is not None:
            settings = request.stores.settings
            if not persisted.is_trusted(settings, context.query):
                code, message = persisted.NOT_IN_LIST
                context.pre_execution_errors = [GraphQLError(message, extensions={"code": code})]
                yield
                return
            request.trusted_document = settings.trusted_documents is not None
        for name, value in (context.variables or {}).items():
            if (where := invalid_text_at(value, name)) is not None:
                message = f"Variable '${where}' holds text that is not valid Unicode (an unpaired surrogate)."
                invalid = GraphQLError(message, extensions={"code": BAD_USER_INPUT})
                context.pre_execution_errors = [*(context.pre_execution_errors or []), invalid]
                break
        # GraphQL requires a name to choose among several operations; Strawberry would run the first.
        if context._provided_operation_name is None and document is not None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                ambiguous = GraphQLError(AMBIGUOUS, extensions={"code": "BAD_REQUEST"})
                context.pre_execution_errors = [*(context.pre_execution_errors or []), ambiguous]
        yield

    def on_execute(self) -> Iterator[None]:
        self.executing = True
        yield

    def on_stream_result(self, result: ExecutionResult) -> Iterator[None]:  # type: ignore[override]
        self._shape(result)
        yield
