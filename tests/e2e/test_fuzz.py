"""Every root field, called over HTTP with arguments drawn at random (seeded) from each
argument's type: malformed and foreign ids, empty, huge and odd strings, out-of-range numbers,
long lists. Whatever comes in, the answer is a GraphQL response whose errors carry a code,
never an internal error."""

from __future__ import annotations

import json
import random
from typing import Any

import dramatiq
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
)

from schema import build_schema
from settings import Settings
from tests.e2e.client import GRAPHQL_RESPONSE, Account, Api
from tests.e2e.posting import comment_id, create_post, ready_media

ROUNDS = 12
# Ending the caller's own login would leave the rest of the run anonymous.
SKIPPED = {"logOut", "uploadMedia"}
ODD_STRINGS = ["", " ", "a" * 5000, "\u202e\u0000x", "💥" * 50, "' OR 1=1 --", "%00", "null", "\ud800"]
ODD_INTS = [0, -1, 1, 100, 101, 2**31 - 1, -(2**31)]


def _ids(rng: random.Random, known: list[str]) -> str:
    return rng.choice(
        [*known, "", "x", "VXNlcjox", "UG9zdDotMQ==", "Tm9wZTox", "A" * 3000, "UG9zdDo5OTk5OTk5OTk5OTk5OTk5OTk5OQ=="]
    )


def _value(rng: random.Random, kind: GraphQLInputType, known: list[str], depth: int = 0) -> Any:
    if isinstance(kind, GraphQLNonNull):
        return _value(rng, kind.of_type, known, depth)
    if depth > 0 and rng.random() < 0.1:
        return None
    if isinstance(kind, GraphQLList):
        size = rng.choice([0, 1, 2, 3, 150])
        return [_value(rng, kind.of_type, known, depth + 1) for _ in range(size)]
    if isinstance(kind, GraphQLEnumType):
        return rng.choice(list(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {
            name: _value(rng, field.type, known, depth + 1)
            for name, field in kind.fields.items()
            if isinstance(field.type, GraphQLNonNull) or rng.random() < 0.6
        }
    assert isinstance(kind, GraphQLScalarType)
    if kind.name == "ID":
        return _ids(rng, known)
    if kind.name == "Int":
        return rng.choice(ODD_INTS)
    if kind.name == "Float":
        return rng.choice([0.0, -1.5, 1e300])
    if kind.name == "Boolean":
        return rng.choice([True, False])
    if kind.name in ("DateTime", "Date"):
        return rng.choice(["2026-01-01T00:00:00Z", "2026-01-01", "not a date", ""])
    return rng.choice(ODD_STRINGS)


def _type_name(kind: GraphQLInputType) -> str:
    if isinstance(kind, GraphQLNonNull):
        return f"{_type_name(kind.of_type)}!"
    if isinstance(kind, GraphQLList):
        return f"[{_type_name(kind.of_type)}]"
    return kind.name


def _unwrapped(kind: Any) -> Any:
    while isinstance(kind, (GraphQLList, GraphQLNonNull)):
        kind = kind.of_type
    return kind


def _arguments(field: GraphQLField, prefix: str, declared: list[str]) -> str:
    """``(arg: $prefix_arg, ...)`` for every argument, declaring each variable."""
    for arg, spec in field.args.items():
        declared.append(f"${prefix}{arg}: {_type_name(spec.type)}")
    return f"({', '.join(f'{arg}: ${prefix}{arg}' for arg in field.args)})" if field.args else ""


def _selection(kind: Any, rng: random.Random, declared: list[str], depth: int) -> str:
    """``__typename``, a payload's errors, and on the first level a few more fields with
    their own arguments, so nested resolvers meet odd arguments too."""
    target = _unwrapped(kind)
    fields = getattr(target, "fields", None)
    if fields is None:
        return "" if not hasattr(target, "types") else " { __typename }"
    chosen = ["__typename"]
    if "errors" in fields:
        chosen.append("errors { code field message }")
    if depth == 0:
        for name in rng.sample(sorted(fields), min(4, len(fields))):
            if name == "errors":
                continue
            nested = fields[name]
            arguments = _arguments(nested, f"n{name}_", declared)
            chosen.append(f"{name}{arguments}{_selection(nested.type, rng, declared, depth + 1)}")
    return " { " + " ".join(chosen) + " }"


def _operation(keyword: str, name: str, field: GraphQLField, rng: random.Random) -> tuple[str, list[str]]:
    declared: list[str] = []
    arguments = _arguments(field, "", declared)
    selection = _selection(field.type, rng, declared, 0)
    head = f"{keyword}({', '.join(declared)})" if declared else keyword
    return f"{head} {{ {name}{arguments}{selection} }}", declared


def _input_type(schema: GraphQLSchema, text: str) -> GraphQLInputType:
    if text.endswith("!"):
        return GraphQLNonNull(_input_type(schema, text[:-1]))  # type: ignore[arg-type]
    if text.startswith("["):
        return GraphQLList(_input_type(schema, text[1:-1]))
    found = schema.get_type(text)
    assert found is not None, text
    return found  # type: ignore[return-value]


def _checked(body: dict[str, Any], status: int, operation: str, variables: dict[str, Any]) -> None:
    where = f"{operation} with {str(variables)[:300]}"
    assert status in (200, 400), f"HTTP {status} for {where}: {body}"
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code and code != "INTERNAL_SERVER_ERROR", f"{error} for {where}"
    data = body.get("data") or {}
    for payload in data.values():
        for error in (payload or {}).get("errors", []) if isinstance(payload, dict) else []:
            assert error["code"], f"{error} for {where}"


@pytest.mark.parametrize("keyword", ["query", "mutation"])
async def test_random_arguments_never_cause_an_internal_error(
    api: Api, settings: Settings, worker: dramatiq.Worker, keyword: str
) -> None:
    rng = random.Random(f"shutter-{keyword}")
    alice: Account = await api.sign_up("alice")
    bob: Account = await api.sign_up("bob")
    media = await ready_media(api, bob, 2)
    post = await create_post(api, bob, media[:1], "fuzzed #tag @alice")
    comment = await comment_id(api, alice, post["id"], "hello @bob")
    known = [alice.id, bob.id, post["id"], comment, *media]
    schema = build_schema(settings)._schema
    root = schema.query_type if keyword == "query" else schema.mutation_type
    assert root is not None
    for name, field in sorted(root.fields.items()):
        if name in SKIPPED:
            continue
        for round_number in range(ROUNDS):
            operation, declared = _operation(keyword, name, field, rng)
            variables = {}
            for declaration in declared:
                variable, type_text = declaration[1:].split(": ", 1)
                variables[variable] = _value(rng, _input_type(schema, type_text), known)
            token = None if round_number == 0 else alice.token
            headers = {"accept": GRAPHQL_RESPONSE, "content-type": "application/json"}
            if token:
                headers["authorization"] = f"Bearer {token}"
            # json.dumps escapes what UTF-8 cannot carry (a lone surrogate), as browsers' JSON does.
            body = json.dumps({"query": operation, "variables": variables})
            response = await api.http.post("/graphql", content=body, headers=headers)
            _checked(response.json(), response.status_code, operation, variables)


QUERY_BY_NAME = "query($name: String!) { user(username: $name) { id } }"
UPDATE = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { username } errors { code } } }"


async def _raw_post(api: Api, payload: dict[str, Any], token: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"accept": GRAPHQL_RESPONSE, "content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    # json.dumps writes what UTF-8 cannot carry as escapes (\ud800), as a browser's JSON does.
    response = await api.http.post("/graphql", content=json.dumps(payload), headers=headers)
    body: dict[str, Any] = response.json()
    return response.status_code, body


@pytest.mark.parametrize(
    ("operation", "variables", "where"),
    [
        (QUERY_BY_NAME, {"name": "\ud800"}, "$name"),
        (UPDATE, {"input": {"bio": "fine", "fullName": "x\udfff"}}, "$input.fullName"),
    ],
    ids=["top", "nested"],
)
async def test_an_unpaired_surrogate_is_a_request_error(
    api: Api, operation: str, variables: dict[str, Any], where: str
) -> None:
    alice = await api.sign_up("alice")
    status, body = await _raw_post(api, {"query": operation, "variables": variables}, alice.token)
    assert status == 400, body
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and f"'{where}'" in error["message"]
    profile = await api.data('{ user(username: "alice") { bio fullName } }')
    assert profile["user"] == {"bio": "", "fullName": ""}  # nothing was written


@pytest.mark.parametrize(
    "payload",
    [
        {"query": QUERY_BY_NAME, "variables": {"name": "a\x00b"}},
        {"query": '{ user(username: "a\\u0000b") { id } }'},
        {"query": '{ user(username: "a\x00b") { id } }'},
        {"query": '{ user(username: """a\x00b""") { id } }'},
    ],
    ids=["variable", "escaped", "raw", "block-string"],
)
async def test_a_nul_where_nothing_checks_text_is_bad_user_input(api: Api, payload: dict[str, Any]) -> None:
    status, body = await _raw_post(api, payload)
    assert status == 200, body
    assert body["data"] == {"user": None}
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [("BAD_USER_INPUT", ["user"])]


async def test_a_nul_in_text_to_store_is_refused_and_nothing_is_written(api: Api) -> None:
    alice = await api.sign_up("alice")
    variables = {"input": {"bio": "fine", "fullName": "x\x00"}}
    status, body = await _raw_post(api, {"query": UPDATE, "variables": variables}, alice.token)
    assert status == 200 and body["data"]["updateProfile"]["errors"] == [{"code": "INVALID_INPUT"}], body
    profile = await api.data('{ user(username: "alice") { bio fullName } }')
    assert profile["user"] == {"bio": "", "fullName": ""}
