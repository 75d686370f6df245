"""Every top-level error leaves with a code; unexpected ones are masked."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError, GraphQLSyntaxError, Source

from graph import GraphUnavailable
from schema.extensions import shape_error
from services.errors import DomainError, ErrorCode, NotAuthenticated


def _wrapped(original: Exception) -> GraphQLError:
    return GraphQLError(str(original), path=["field"], original_error=original)


def test_codes_for_known_failures() -> None:
    assert shape_error(_wrapped(NotAuthenticated("x")), "r").extensions == {"code": "UNAUTHENTICATED"}
    shaped = shape_error(_wrapped(DomainError(ErrorCode.INVALID_CURSOR, "Not a valid cursor.", "after")), "r")
    assert shaped.extensions == {"code": "BAD_USER_INPUT", "reason": "INVALID_CURSOR", "field": "after"}
    assert shaped.message == "Not a valid cursor."
    unavailable = shape_error(_wrapped(GraphUnavailable("down")), "r")
    assert unavailable.extensions == {"code": "SERVICE_UNAVAILABLE", "store": "graph"}


def test_unexpected_errors_are_masked_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="shutter.graphql"):
        shaped = shape_error(_wrapped(KeyError("secret internals")), "req-123")
    assert shaped.message == "Internal server error."
    assert shaped.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert "secret internals" not in shaped.message
    assert any(getattr(r, "request_id", None) == "req-123" for r in caplog.records)


def test_request_errors_get_parse_or_validation_codes() -> None:
    syntax = GraphQLSyntaxError(Source("{"), 1, "Expected Name")
    assert shape_error(syntax, "r").extensions == {"code": "GRAPHQL_PARSE_FAILED"}
    invalid = GraphQLError("Cannot query field 'nope' on type 'Query'.")
    assert shape_error(invalid, "r").extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
    # Pathless errors once execution began come from coercing the variables.
    variables = GraphQLError("Expected a value of non-null type 'String!' to be provided.")
    assert shape_error(variables, "r", executing=True).extensions == {"code": "BAD_USER_INPUT"}
    unused = GraphQLError("Variable '$x' is never used.")
    assert shape_error(unused, "r").extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}


def test_errors_raised_in_resolvers_keep_their_path() -> None:
    denied = GraphQLError("Sign in to do this.", extensions={"code": "UNAUTHENTICATED"})
    shaped = shape_error(GraphQLError("Sign in", path=["logOut"], original_error=denied), "r")
    assert shaped.path == ["logOut"]
    assert shaped.extensions == {"code": "UNAUTHENTICATED"}
