"""GraphQL over HTTP (POST and GET), following the GraphQL-over-HTTP specification,
plus multipart POSTs that upload files (web/multipart.py).

With ``application/graphql-response+json`` a request error (unreadable body, bad parameters,
a document that does not parse or validate) answers 400 without a ``data`` entry; with the
legacy ``application/json`` every well-formed request answers 200.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from schema import ShutterSchema
from schema.budget import RATE_LIMITED
from schema.context import connection_context
from schema.deadline import TIMEOUT
from schema.extensions import shape_error
from services import persisted
from services.stores import Stores
from settings import Settings
from web import jsonbody
from web.graphql_request import GraphQLRequest, RequestError, parse_parameters
from web.multipart import read_multipart
from web.negotiation import GRAPHQL_RESPONSE, JSON, prefers_html, response_type

ALLOW = "GET, POST"
MULTIPART = "multipart/form-data"


def _json_parameter(value: str | None, name: str) -> Any:
    if value is None:
        return None
    try:
        return jsonbody.load(value)
    except jsonbody.TooDeep as error:
        raise RequestError(f"The '{name}' parameter: {error}") from None
    except ValueError:
        raise RequestError(f"The '{name}' parameter must be JSON.") from None


async def _read_post(request: Request, max_bytes: int) -> GraphQLRequest:
    content_type = request.headers.get("content-type")
    if not content_type:
        raise RequestError("Send the request with 'Content-Type: application/json'.", status=415)
    media, *params = (piece.strip().lower() for piece in content_type.split(";"))
    if media != JSON:
        raise RequestError(f"Unsupported content type '{media}'.", status=415)
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            raise RequestError("Only utf-8 request bodies are accepted.", status=415)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise RequestError("The request body is too large.", "PAYLOAD_TOO_LARGE", status=413)
    if not body:
        raise RequestError("The request has no body.")
    try:
        raw = jsonbody.load(body.decode("utf-8"))
    except jsonbody.TooDeep as error:
        raise RequestError(str(error)) from None
    except ValueError:  # UnicodeDecodeError included
        raise RequestError("The request body is not valid JSON.") from None
    if isinstance(raw, list):
        # Batches would multiply one request's cost past every per-operation bound.
        raise RequestError("Batched operations are not accepted: send one operation per request.")
    return parse_parameters(raw)


def _read_get(request: Request) -> GraphQLRequest:
    params = request.query_params
    raw = {
        "query": params.get("query"),
        "operationName": params.get("operationName"),
        "variables": _json_parameter(params.get("variables"), "variables"),
        "extensions": _json_parameter(params.get("extensions"), "extensions"),
    }
    return parse_parameters(raw)


def _is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower() == MULTIPART


def _is_request_error(result: ExecutionResult) -> bool:
    if isinstance(result, PreExecutionError):
        return True
    # Variable coercion fails inside execution but before any field runs: no path, no data.
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors or [])


def encode(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON. Text holding lone surrogates (echoed from a request) cannot be
    UTF-8: it is written with \\u escapes instead."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, separators=(",", ":")).encode("ascii")


def _respond(body: dict[str, Any], media: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        encode(body),
        status_code=status,
        media_type=media,
        headers={"cache-control": "no-store", "vary": "Accept, Authorization", **(headers or {})},
    )


def _error_response(error: RequestError, media: str) -> Response:
    body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
    # Without a fixed status, the media type decides (see the module docstring).
    status = error.status if error.status is not None else 400 if media == GRAPHQL_RESPONSE else 200
    headers = {"allow": ALLOW} if status == 405 else None
    return _respond(body, media, status, headers)


class GraphQLHTTP:
    """The ASGI endpoint for POST and GET on /graphql."""

    def __init__(self, schema: ShutterSchema) -> None:
        self.schema = schema

    async def handle(self, request: Request) -> Response:
        stores: Stores = request.state.stores
        settings = stores.settings
        accept = request.headers.get("accept")
        if request.method == "GET" and settings.graphiql_enabled and prefers_html(accept):
            return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
        media = response_type(accept)
        if media is None:
            return _respond(
                {
                    "errors": [
                        {
                            "message": "Accept application/graphql-response+json or application/json.",
                            "extensions": {"code": "NOT_ACCEPTABLE"},
                        }
                    ]
                },
                JSON,
                406,
            )
        if request.method not in ("GET", "POST"):
            return _error_response(RequestError("Use GET or POST.", "METHOD_NOT_ALLOWED", 405), media)
        try:
            if request.method == "POST" and _is_multipart(request):
                async with read_multipart(request, settings) as params:
                    return await self._execute(request, stores, params, media)
            if request.method == "POST":
                params = await _read_post(request, settings.max_request_bytes)
            else:
                params = _read_get(request)
            return await self._execute(request, stores, params, media)
        except RequestError as error:
            return _error_response(error, media)

    async def _execute(self, request: Request, stores: Stores, params: GraphQLRequest, media: str) -> Response:
        allowed = {OperationType.QUERY} if request.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
        try:
            document = await persisted.resolve(stores.redis, stores.settings, params.query, params.extensions)
        except persisted.PersistedQueryError as error:
            raise RequestError(error.message, error.code) from None
        context = connection_context(request)
        try:
            result = await self.schema.execute(
                document.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=params.extensions,
            )
        except InvalidOperationTypeError as error:
            if request.method == "GET":
                raise RequestError("Mutations must use POST.", "METHOD_NOT_ALLOWED", 405) from error
            raise RequestError("Subscriptions are served over WebSocket at this path.") from error
        except CannotGetOperationTypeError as error:
            raise RequestError(error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise RequestError("The 'query' parameter is empty.") from error
        body: dict[str, Any] = {}
        codes = {(error.extensions or {}).get("code") for error in result.errors or ()}
        request_error = _is_request_error(result) and TIMEOUT not in codes
        if not request_error:
            body["data"] = result.data
        if result.errors:
            body["errors"] = [_format(e, context.request_id) for e in result.errors]
        if result.extensions:
            body["extensions"] = result.extensions
        status = 400 if request_error and media == GRAPHQL_RESPONSE else 200
        headers: dict[str, str] = {}
        if RATE_LIMITED in codes and request_error:
            # Refused before execution: the one status every HTTP client and proxy understands.
            status = 429
            waits = [int((e.extensions or {}).get("retryAfter", 1)) for e in result.errors or ()]
            headers["retry-after"] = str(max(waits, default=1))
        elif TIMEOUT in codes and result.data is None and media == GRAPHQL_RESPONSE:
            status = 504
        elif _cacheable(request, document, result, stores.settings):
            headers["cache-control"] = f"public, max-age={stores.settings.persisted_query_cache_seconds}"
        return _respond(body, media, status, headers)


def _cacheable(request: Request, document: persisted.Resolved, result: ExecutionResult, settings: Settings) -> bool:
    """A hash-only GET that anyone would get the same answer to: shared caches may keep it."""
    return (
        request.method == "GET"
        and document.hash_only
        and settings.persisted_query_cache_seconds > 0
        and "authorization" not in request.headers
        and not result.errors
    )


def _format(error: GraphQLError, request_id: str) -> dict[str, Any]:
    shaped = error if (error.extensions or {}).get("code") else shape_error(error, request_id)
    return shaped.formatted  # type: ignore[return-value]
