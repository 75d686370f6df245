"""A GraphQL request as the HTTP transports read it (web/graphql_http.py, web/multipart.py):
its parameters, checked as the GraphQL-over-HTTP specification asks, and the error for a
request that is not well-formed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class RequestError(Exception):
    """The HTTP request is not a well-formed GraphQL request."""

    def __init__(self, message: str, code: str = "BAD_REQUEST", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str | None  # None only where extensions.persistedQuery names the document
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None


def parse_parameters(raw: Any) -> GraphQLRequest:
    """The request parameters of a decoded JSON object, checked as the spec asks."""
    if not isinstance(raw, dict):
        raise RequestError("The request body must be a JSON object.")
    query = raw.get("query")
    persisted_only = query is None and isinstance(raw.get("extensions"), dict) and "persistedQuery" in raw["extensions"]
    if not isinstance(query, str) and not persisted_only:
        raise RequestError("The 'query' parameter must be a string.")
    operation_name = raw.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError("The 'operationName' parameter must be a string.")
    for name in ("variables", "extensions"):
        if raw.get(name) is not None and not isinstance(raw.get(name), dict):
            raise RequestError(f"The '{name}' parameter must be an object.")
    return GraphQLRequest(query, operation_name, raw.get("variables"), raw.get("extensions"))
