"""GraphQL over HTTP as graphql-http's server audits see it: negotiation, status codes, error shapes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.e2e.client import PASSWORD, Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
BOTH_MEDIA = pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
NO_HEADER = object()

BAD_REQUEST = "BAD_REQUEST"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"

TYPENAME = {"query": "{ __typename }"}
TWO_QUERIES = "query A { __typename } query B { viewer { username } }"
FOLLOWERS_OF = "query($u: String!, $f: Int) { user(username: $u) { followers(first: $f) { edges { cursor } } } }"


def media_of(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip().lower()


def codes_of(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


async def send(
    api: Api,
    method: str,
    *,
    body: Any = None,
    content: bytes | None = None,
    params: dict[str, str] | None = None,
    accept: str | object = GRAPHQL_RESPONSE,
    content_type: str | object = JSON,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One raw request to /graphql; NO_HEADER leaves Accept or Content-Type out entirely."""
    if body is not None:
        content = json.dumps(body).encode()
    request = api.http.build_request(method, "/graphql", content=content, params=params, headers=headers)
    for name, value in (("accept", accept), ("content-type", content_type)):
        if value is NO_HEADER:
            request.headers.pop(name, None)
        elif method == "POST" or name == "accept":
            assert isinstance(value, str)
            request.headers[name] = value
    return await api.http.send(request)


async def post(api: Api, body: Any, **kwargs: Any) -> httpx.Response:
    return await send(api, "POST", body=body, **kwargs)


async def get(api: Api, params: dict[str, str], **kwargs: Any) -> httpx.Response:
    return await send(api, "GET", params=params, **kwargs)


def assert_request_error(response: httpx.Response, accept: str, code: str | set[str]) -> dict[str, Any]:
    """A request error: 400 with graphql-response+json, 200 with application/json; never a data entry."""
    assert response.status_code == (400 if accept == GRAPHQL_RESPONSE else 200), response.text
    assert media_of(response) == accept
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    assert body["errors"], body
    expected = {code} if isinstance(code, str) else code
    for error in body["errors"]:
        assert isinstance(error["message"], str)
        assert error["message"]
        assert error["extensions"]["code"] in expected, body
    return body


# --- content negotiation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (JSON, JSON),
        ("*/*", GRAPHQL_RESPONSE),
        (NO_HEADER, GRAPHQL_RESPONSE),
        ("application/*", GRAPHQL_RESPONSE),
        (f"{JSON}; charset=utf-8", JSON),
        (f"{JSON}, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, {JSON}", JSON),
        (f"{JSON};q=0.2, {GRAPHQL_RESPONSE};q=0.9", GRAPHQL_RESPONSE),
        (f"text/plain, {JSON};q=0.1", JSON),
        ("text/html, */*;q=0.8", GRAPHQL_RESPONSE),
    ],
    ids=[
        "graphql-response",
        "json",
        "any",
        "missing",
        "application-wildcard",
        "json-with-charset",
        "tie",
        "json-preferred",
        "graphql-response-preferred",
        "json-alongside-unsupported",
        "browser-post",
    ],
)
async def test_post_typename_is_answered_in_the_negotiated_type(api: Api, accept: str, expected: str) -> None:
    response = await post(api, TYPENAME, accept=accept)
    assert response.status_code == 200, response.text
    assert media_of(response) == expected
    assert response.json() == {"data": {"__typename": "Query"}}


UNACCEPTABLE = ["text/plain", "application/xml", f"{JSON};q=0", f"{GRAPHQL_RESPONSE};q=0, text/plain"]


@pytest.mark.parametrize(
    ("method", "accept"),
    # A GET that asks for HTML is a browser and gets GraphiQL, so text/html alone is a POST case.
    [("GET", accept) for accept in UNACCEPTABLE] + [("POST", accept) for accept in [*UNACCEPTABLE, "text/html"]],
)
async def test_unsupported_accept_is_406(api: Api, method: str, accept: str) -> None:
    if method == "POST":
        response = await post(api, TYPENAME, accept=accept)
    else:
        response = await get(api, TYPENAME, accept=accept)
    assert response.status_code == 406, response.text
    body = response.json()
    assert "data" not in body
    assert codes_of(body) == ["NOT_ACCEPTABLE"]


# --- well-formed requests ----------------------------------------------------------------------


@BOTH_MEDIA
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"operationName": None, "variables": None, "extensions": None},
        {"variables": {}, "extensions": {}},
        {"extensions": {"persistedQuery": None, "tracing": False}},
    ],
    ids=["bare", "nulls", "empty-maps", "unknown-extensions"],
)
async def test_post_accepts_optional_parameters(api: Api, accept: str, extra: dict[str, Any]) -> None:
    response = await post(api, {**TYPENAME, **extra}, accept=accept)
    assert response.status_code == 200, response.text
    assert media_of(response) == accept
    assert response.json()["data"] == {"__typename": "Query"}


@BOTH_MEDIA
@pytest.mark.parametrize(
    ("operation", "expected"), [("A", {"__typename": "Query"}), ("B", {"viewer": None})], ids=["A", "B"]
)
async def test_operation_name_selects_the_operation(
    api: Api, accept: str, operation: str, expected: dict[str, Any]
) -> None:
    response = await post(api, {"query": TWO_QUERIES, "operationName": operation}, accept=accept)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": expected}


@pytest.mark.parametrize(
    "content_type",
    [JSON, "application/json; charset=utf-8", 'application/json;charset="UTF-8"', "Application/JSON"],
)
async def test_post_accepts_json_in_utf8(api: Api, content_type: str) -> None:
    response = await post(api, TYPENAME, content_type=content_type)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_non_ascii_text_round_trips_as_utf8(api: Api) -> None:
    name = "Zoë Łukasz 写真"
    signed_up = await post(
        api,
        {
            "query": """mutation($input: SignUpInput!) {
                signUp(input: $input) { accessToken user { fullName } errors { code field } } }""",
            "variables": {
                "input": {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD, "fullName": name}
            },
        },
    )
    assert signed_up.status_code == 200, signed_up.text
    payload = json.loads(signed_up.content.decode("utf-8"))["data"]["signUp"]
    assert payload["errors"] == []
    assert payload["user"]["fullName"] == name

    token = payload["accessToken"]
    viewer = await post(api, {"query": "{ viewer { fullName } }"}, headers={"authorization": f"Bearer {token}"})
    assert viewer.status_code == 200
    assert json.loads(viewer.content.decode("utf-8")) == {"data": {"viewer": {"fullName": name}}}

    # Non-ASCII inside the document itself, both in a comment and in a string literal.
    literal = await get(api, {"query": '# 写真\nquery { user(username: "zoë") { fullName } }'})
    assert literal.status_code == 200, literal.text
    assert literal.json() == {"data": {"user": None}}


# --- request errors ----------------------------------------------------------------------------

REQUEST_ERRORS: list[Any] = [
    pytest.param(b"{not json", BAD_REQUEST, id="body-not-json"),
    pytest.param(b"", BAD_REQUEST, id="body-empty"),
    pytest.param(b"\xff\xfe{}", BAD_REQUEST, id="body-not-utf8"),
    pytest.param(b"null", BAD_REQUEST, id="body-null"),
    pytest.param(b'"{ __typename }"', BAD_REQUEST, id="body-string"),
    pytest.param(b"[]", BAD_REQUEST, id="body-empty-list"),
    pytest.param(json.dumps([TYPENAME]).encode(), BAD_REQUEST, id="body-batch"),
    pytest.param({}, BAD_REQUEST, id="query-missing"),
    pytest.param({"query": None}, BAD_REQUEST, id="query-null"),
    pytest.param({"query": 7}, BAD_REQUEST, id="query-number"),
    pytest.param({"query": ["{ __typename }"]}, BAD_REQUEST, id="query-list"),
    pytest.param({"query": {"document": "{ __typename }"}}, BAD_REQUEST, id="query-object"),
    pytest.param({"query": ""}, {BAD_REQUEST, PARSE_FAILED}, id="query-empty"),
    pytest.param({**TYPENAME, "operationName": 7}, BAD_REQUEST, id="operation-name-number"),
    pytest.param({**TYPENAME, "operationName": []}, BAD_REQUEST, id="operation-name-list"),
    pytest.param({**TYPENAME, "operationName": {}}, BAD_REQUEST, id="operation-name-object"),
    pytest.param({**TYPENAME, "variables": "{}"}, BAD_REQUEST, id="variables-string"),
    pytest.param({**TYPENAME, "variables": 7}, BAD_REQUEST, id="variables-number"),
    pytest.param({**TYPENAME, "variables": []}, BAD_REQUEST, id="variables-list"),
    pytest.param({**TYPENAME, "extensions": "{}"}, BAD_REQUEST, id="extensions-string"),
    pytest.param({**TYPENAME, "extensions": 7}, BAD_REQUEST, id="extensions-number"),
    pytest.param({**TYPENAME, "extensions": []}, BAD_REQUEST, id="extensions-list"),
    pytest.param({"query": "{"}, PARSE_FAILED, id="parse-unclosed"),
    pytest.param({"query": "{ __typename"}, PARSE_FAILED, id="parse-truncated"),
    pytest.param({"query": "query { viewer { username } } }"}, PARSE_FAILED, id="parse-extra-brace"),
    pytest.param({"query": "   "}, PARSE_FAILED, id="parse-blank"),
    pytest.param({"query": "{ nope }"}, VALIDATION_FAILED, id="validation-unknown-field"),
    pytest.param({"query": "{ viewer }"}, VALIDATION_FAILED, id="validation-missing-selection"),
    pytest.param({"query": "{ user { username } }"}, VALIDATION_FAILED, id="validation-missing-argument"),
    pytest.param(
        {"query": "{ viewer { followers(first: 99999999999) { edges { cursor } } } }"},
        VALIDATION_FAILED,
        id="validation-int-overflow-literal",
    ),
    pytest.param(
        {"query": "query { user(username: $u) { username } }"}, VALIDATION_FAILED, id="validation-undefined-variable"
    ),
    pytest.param({"query": "query($u: String) { __typename }"}, VALIDATION_FAILED, id="validation-unused-variable"),
    pytest.param(
        {"query": "query($u: Int) { user(username: $u) { username } }"},
        VALIDATION_FAILED,
        id="validation-variable-type-mismatch",
    ),
    pytest.param(
        {"query": "subscription { notifications }"}, {BAD_REQUEST, VALIDATION_FAILED}, id="subscription-over-http"
    ),
    pytest.param({"query": FOLLOWERS_OF, "variables": {}}, BAD_USER_INPUT, id="variable-missing"),
    pytest.param({"query": FOLLOWERS_OF, "variables": {"u": None}}, BAD_USER_INPUT, id="variable-null"),
    pytest.param({"query": FOLLOWERS_OF, "variables": {"u": 5}}, BAD_USER_INPUT, id="variable-wrong-type"),
    pytest.param({"query": FOLLOWERS_OF, "variables": {"u": "a", "f": "ten"}}, BAD_USER_INPUT, id="variable-not-int"),
    pytest.param({"query": FOLLOWERS_OF, "variables": {"u": "a", "f": 2**40}}, BAD_USER_INPUT, id="variable-huge-int"),
    pytest.param({"query": FOLLOWERS_OF, "variables": {"u": "a", "f": 1.5}}, BAD_USER_INPUT, id="variable-float"),
]


@BOTH_MEDIA
@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS)
async def test_request_errors_have_no_data(api: Api, accept: str, body: Any, code: str | set[str]) -> None:
    if isinstance(body, bytes):
        response = await post(api, None, content=body, accept=accept)
    else:
        response = await post(api, body, accept=accept)
    assert_request_error(response, accept, code)


@BOTH_MEDIA
async def test_unknown_operation_name_is_explained(api: Api, accept: str) -> None:
    response = await post(api, {"query": TWO_QUERIES, "operationName": "C"}, accept=accept)
    body = assert_request_error(response, accept, BAD_REQUEST)
    # The client must learn which operation was missing, not just see its name echoed back.
    assert "operation" in body["errors"][0]["message"].lower(), body


@BOTH_MEDIA
async def test_ambiguous_document_asks_for_an_operation_name(api: Api, accept: str) -> None:
    response = await post(api, {"query": TWO_QUERIES}, accept=accept)
    body = assert_request_error(response, accept, BAD_REQUEST)
    assert "operation" in body["errors"][0]["message"].lower(), body


@BOTH_MEDIA
@pytest.mark.parametrize(
    ("query", "token", "data", "code", "path"),
    [
        ('{ node(id: "%%%") { id } }', None, {"node": None}, "BAD_USER_INPUT", ["node"]),
        ("{ viewer { username } }", "not-a-token", {"viewer": None}, "UNAUTHENTICATED", ["viewer"]),
        ("{ followRequests { edges { cursor } } }", None, None, "UNAUTHENTICATED", ["followRequests"]),
    ],
    ids=["invalid-id", "bad-token", "non-null-root"],
)
async def test_field_errors_are_200_with_data(
    api: Api, accept: str, *, query: str, token: str | None, data: Any, code: str, path: list[str]
) -> None:
    headers = {"authorization": f"Bearer {token}"} if token else None
    response = await post(api, {"query": query}, accept=accept, headers=headers)
    assert response.status_code == 200, response.text
    assert media_of(response) == accept
    body = response.json()
    assert "data" in body
    assert body["data"] == data
    assert [(error["extensions"]["code"], error["path"]) for error in body["errors"]] == [(code, path)]


# --- malformed HTTP ----------------------------------------------------------------------------


@BOTH_MEDIA
@pytest.mark.parametrize(
    "content_type",
    [
        NO_HEADER,
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
    ],
    ids=["missing", "text", "text-utf8", "form", "graphql", "latin-1", "utf-16"],
)
async def test_unsupported_request_body_is_415(api: Api, accept: str, content_type: str | object) -> None:
    response = await post(api, TYPENAME, accept=accept, content_type=content_type)
    assert response.status_code == 415, response.text
    body = response.json()
    assert "data" not in body
    assert codes_of(body) == [BAD_REQUEST]


def _body_of_size(size: int) -> bytes:
    padding = size - len(json.dumps({"query": "{ __typename }"}).encode())
    body = json.dumps({"query": "{ __typename }" + " " * padding}).encode()
    assert len(body) == size
    return body


@BOTH_MEDIA
async def test_body_over_the_limit_is_413(api: Api, accept: str) -> None:
    response = await post(api, None, content=_body_of_size(1_000_001), accept=accept)
    assert response.status_code == 413, response.text
    body = response.json()
    assert "data" not in body
    assert codes_of(body)[0] in {"PAYLOAD_TOO_LARGE", BAD_REQUEST}


async def test_body_at_the_limit_is_served(api: Api) -> None:
    response = await post(api, None, content=_body_of_size(1_000_000))
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__typename": "Query"}}


# --- GET ---------------------------------------------------------------------------------------


@BOTH_MEDIA
async def test_get_runs_a_query(api: Api, accept: str) -> None:
    response = await get(api, {"query": "{ __typename }"}, accept=accept)
    assert response.status_code == 200, response.text
    assert media_of(response) == accept
    assert response.json() == {"data": {"__typename": "Query"}}


@BOTH_MEDIA
async def test_get_takes_variables_and_operation_name_as_json_strings(api: Api, accept: str) -> None:
    await api.sign_up("alice")
    params = {
        "query": "query Skip { __typename } query Find($u: String!) { user(username: $u) { username } }",
        "operationName": "Find",
        "variables": json.dumps({"u": "alice"}),
        "extensions": json.dumps({}),
    }
    response = await get(api, params, accept=accept)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"user": {"username": "alice"}}}


@BOTH_MEDIA
@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, BAD_REQUEST),
        ({"query": "{ __typename }", "variables": "not json"}, BAD_REQUEST),
        ({"query": "{ __typename }", "variables": "[1]"}, BAD_REQUEST),
        ({"query": "{ __typename }", "extensions": "{"}, BAD_REQUEST),
        ({"query": "{"}, PARSE_FAILED),
        ({"query": "{ nope }"}, VALIDATION_FAILED),
        ({"query": FOLLOWERS_OF, "variables": '{"u": 1}'}, BAD_USER_INPUT),
    ],
    ids=["no-query", "variables-not-json", "variables-list", "extensions-not-json", "parse", "validation", "variable"],
)
async def test_get_request_errors(api: Api, accept: str, params: dict[str, str], code: str) -> None:
    assert_request_error(await get(api, params, accept=accept), accept, code)


@BOTH_MEDIA
@pytest.mark.parametrize(
    "params",
    [
        {"query": "mutation { logOut { ok } }"},
        {"query": "query Q { __typename } mutation M { logOut { ok } }", "operationName": "M"},
    ],
    ids=["only-mutation", "selected-mutation"],
)
async def test_get_refuses_mutations_with_405(api: Api, accept: str, params: dict[str, str]) -> None:
    response = await get(api, params, accept=accept)
    assert response.status_code == 405, response.text
    assert "POST" in response.headers["allow"]
    body = response.json()
    assert "data" not in body
    assert all(isinstance(code, str) and code for code in codes_of(body))


async def test_get_may_run_the_query_of_a_document_with_mutations(api: Api) -> None:
    params = {"query": "query Q { __typename } mutation M { logOut { ok } }", "operationName": "Q"}
    response = await get(api, params)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "accept", ["text/html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"], ids=["html", "browser"]
)
async def test_browser_get_serves_graphiql(api: Api, accept: str) -> None:
    response = await get(api, {}, accept=accept)
    assert response.status_code == 200
    assert media_of(response) == "text/html"
    assert "graphiql" in response.text.lower()


# --- headers and health ------------------------------------------------------------------------


async def test_request_id_is_echoed_when_sane(api: Api) -> None:
    response = await post(api, TYPENAME, headers={"x-request-id": "trace-42.a_b"})
    assert response.headers["x-request-id"] == "trace-42.a_b"


@pytest.mark.parametrize(
    "incoming", ["has spaces", "x" * 65, "semi;colon", ""], ids=["spaces", "long", "semi", "empty"]
)
async def test_request_id_is_replaced_when_not_sane(api: Api, incoming: str) -> None:
    response = await post(api, TYPENAME, headers={"x-request-id": incoming})
    generated = response.headers["x-request-id"]
    assert generated
    assert generated != incoming


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("POST", {"body": TYPENAME}),
        ("POST", {"body": TYPENAME, "content_type": "text/plain"}),
        ("POST", {"content": b"{"}),
        ("GET", {"params": {"query": "mutation { logOut { ok } }"}}),
        ("GET", {"accept": "text/html"}),
    ],
    ids=["ok", "415", "400", "405", "graphiql"],
)
async def test_every_response_has_a_request_id(api: Api, method: str, kwargs: dict[str, Any]) -> None:
    response = await send(api, method, **kwargs)
    assert response.headers.get("x-request-id")


async def test_healthz(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers.get("x-request-id")


async def test_readyz_checks_every_store(api: Api) -> None:
    response = await api.http.get("/readyz")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks == {"postgres": "ok", "redis": "ok", "graph": "ok"}
