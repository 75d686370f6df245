"""The API's guards against abusive or garbled input: each answers with a clear code, never a 500."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import httpx
import pytest

from schema.relay import encode_cursor
from settings import Settings
from tests.e2e.client import PASSWORD, Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
FOLLOWERS = "query($u: String!, $f: Int, $a: String) { user(username: $u) { followers(first: $f, after: $a) { %s } } }"
PAGE = "edges { cursor node { username } } pageInfo { hasNextPage endCursor }"


async def raw_post(api: Api, body: Any, token: str | None = None) -> httpx.Response:
    headers = {"accept": GRAPHQL_RESPONSE, "content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await api.http.post("/graphql", content=content, headers=headers)


def codes_of(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


def nested_followers(levels: int, leaf: str = "username") -> str:
    """``followers { edges { node { ... } } }`` nested ``levels`` deep: three levels of depth each."""
    selection = leaf
    for _ in range(levels):
        selection = f"followers {{ edges {{ node {{ {selection} }} }} }}"
    return selection


def sign_up_document(username: str, selection: str) -> str:
    return (
        f'mutation {{ signUp(input: {{username: "{username}", email: "{username}@example.com", '
        f'password: "{PASSWORD}"}}) {{ {selection} }} }}'
    )


async def user_exists(api: Api, username: str) -> bool:
    data = await api.data("query($u: String!) { user(username: $u) { username } }", {"u": username})
    return data["user"] is not None


async def assert_rejected_before_execution(api: Api, response: httpx.Response, codes: set[str]) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body, body
    found = codes_of(body)
    assert found
    assert set(found) <= codes, body
    return [error["message"] for error in body["errors"]]


# --- document limits ---------------------------------------------------------------------------


async def test_depth_over_the_limit_is_rejected_and_nothing_runs(api: Api, settings: Settings) -> None:
    assert settings.max_query_depth == 12
    # signUp 0, user 1, then three per level: the fourth level reaches 13.
    document = sign_up_document("deep", f"user {{ {nested_followers(4)} }}")
    response = await raw_post(api, {"query": document})
    messages = await assert_rejected_before_execution(api, response, {"GRAPHQL_VALIDATION_FAILED"})
    assert any("depth" in message for message in messages), messages
    assert not await user_exists(api, "deep")


async def test_depth_at_the_limit_is_served(api: Api) -> None:
    alice = await api.sign_up("alice")
    # viewer 0, three levels to 9, then followers 10, edges 11, cursor 12.
    # Two items a level keeps the cost low: this is about depth alone.
    selection = nested_followers(3, "followers { edges { cursor } }").replace("followers {", "followers(first: 2) {")
    data = await api.data(f"{{ viewer {{ {selection} }} }}", token=alice.token)
    assert data["viewer"] == {"followers": {"edges": []}}


async def test_too_many_aliases_are_rejected_and_nothing_runs(api: Api, settings: Settings) -> None:
    assert settings.max_aliases == 30
    fields = " ".join(
        f'a{i}: signUp(input: {{username: "alias{i}", email: "alias{i}@example.com", password: "{PASSWORD}"}}) '
        "{ errors { code } }"
        for i in range(31)
    )
    response = await raw_post(api, {"query": f"mutation {{ {fields} }}"})
    messages = await assert_rejected_before_execution(api, response, {"GRAPHQL_VALIDATION_FAILED"})
    assert any("alias" in message.lower() for message in messages), messages
    assert not await user_exists(api, "alias0")


async def test_aliases_at_the_limit_are_served(api: Api) -> None:
    fields = " ".join(f"a{i}: __typename" for i in range(30))
    data = await api.data(f"{{ {fields} }}")
    assert len(data) == 30


async def test_too_many_tokens_are_rejected_and_nothing_runs(api: Api, settings: Settings) -> None:
    assert settings.max_tokens == 2000
    document = sign_up_document("wordy", "errors { code } " + "__typename " * 2000)
    response = await raw_post(api, {"query": document})
    messages = await assert_rejected_before_execution(api, response, {"GRAPHQL_PARSE_FAILED"})
    assert any("tokens" in message for message in messages), messages
    assert not await user_exists(api, "wordy")


# --- page arguments, cursors, ids --------------------------------------------------------------


@pytest.mark.parametrize("first", [101, -1, 1000, -(2**31)])
async def test_first_out_of_bounds_is_invalid_input(api: Api, first: int) -> None:
    await api.sign_up("alice")
    body = await api.post(FOLLOWERS % PAGE, {"u": "alice", "f": first})
    assert body["data"] == {"user": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["reason"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == "first"
    assert error["path"] == ["user", "followers"]


@pytest.mark.parametrize("first", [0, 1, 100])
async def test_first_within_bounds_is_served(api: Api, first: int) -> None:
    await api.sign_up("alice")
    data = await api.data(FOLLOWERS % PAGE, {"u": "alice", "f": first})
    assert data["user"]["followers"] == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


async def test_first_out_of_bounds_on_the_viewers_own_lists(api: Api) -> None:
    alice = await api.sign_up("alice")
    for field in ("followRequests", "blockedUsers"):
        body = await api.post(f"{{ {field}(first: 101) {{ edges {{ cursor }} }} }}", token=alice.token)
        assert body["data"] is None
        assert codes_of(body) == ["BAD_USER_INPUT"]
        assert [error["extensions"]["reason"] for error in body["errors"]] == ["INVALID_INPUT"]


def _b64(raw: str | bytes) -> str:
    return base64.urlsafe_b64encode(raw.encode() if isinstance(raw, str) else raw).decode()


@pytest.mark.parametrize(
    "after",
    [
        "garbage",
        "%%%",
        "",
        _b64("c1:abc:1"),
        _b64("c2:1:2"),
        encode_cursor(5),
        encode_cursor(1, 2, 3),
        _b64(b"\xff\xfe"),
        "c1:1:2",
        "A" * 5000,
    ],
    ids=[
        "word",
        "symbols",
        "empty",
        "non-numeric",
        "wrong-prefix",
        "too-short",
        "too-long",
        "not-utf8",
        "not-base64",
        "huge",
    ],
)
async def test_bad_after_cursor_is_invalid_cursor(api: Api, after: str) -> None:
    await api.sign_up("alice")
    body = await api.post(FOLLOWERS % PAGE, {"u": "alice", "f": 5, "a": after})
    assert body["data"] == {"user": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["reason"] == "INVALID_CURSOR", error
    assert error["extensions"]["field"] == "after"


async def test_a_cursor_from_a_page_is_accepted(api: Api) -> None:
    alice = await api.sign_up("alice")
    for name in ("bob", "carol"):
        fan = await api.sign_up(name)
        await api.data("mutation($id: ID!) { follow(userId: $id) { status } }", {"id": alice.id}, token=fan.token)
    first = await api.data(FOLLOWERS % PAGE, {"u": "alice", "f": 1})
    page = first["user"]["followers"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await api.data(FOLLOWERS % PAGE, {"u": "alice", "f": 1, "a": page["pageInfo"]["endCursor"]})
    names = {page["edges"][0]["node"]["username"], rest["user"]["followers"]["edges"][0]["node"]["username"]}
    assert names == {"bob", "carol"}


@pytest.mark.parametrize(
    "node_id",
    [
        "%%%",
        "",
        "not base64 at all",
        _b64("User"),
        _b64("User:abc"),
        _b64("User:0"),
        _b64("User:-3"),
        _b64("User:1e3"),
        _b64(f"User:{2**64}"),
        _b64("User: 7"),
        _b64("User:007"),
    ],
    ids=[
        "symbols",
        "empty",
        "words",
        "no-separator",
        "non-numeric",
        "zero",
        "negative",
        "exponent",
        "overflow",
        "space",
        "leading-zeros",
    ],
)
async def test_bad_node_id_is_invalid_id(api: Api, node_id: str) -> None:
    body = await api.post("query($id: ID!) { node(id: $id) { id } }", {"id": node_id})
    assert body["data"] == {"node": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["reason"] == "INVALID_ID", error
    assert error["path"] == ["node"]


async def test_good_node_id_finds_the_user(api: Api) -> None:
    alice = await api.sign_up("alice")
    data = await api.data("query($id: ID!) { node(id: $id) { id ... on User { username } } }", {"id": alice.id})
    assert data["node"] == {"id": alice.id, "username": "alice"}


# --- fuzz --------------------------------------------------------------------------------------

SEEDS = [
    "{ __typename }",
    "{ viewer { username fullName followers(first: 3) { edges { cursor node { id } } } } }",
    "query Q($u: String!) { user(username: $u) { username followerCount following { pageInfo { hasNextPage } } } }",
    '{ node(id: "VXNlcjox") { id ... on User { username } } }',
    'mutation { logIn(input: {usernameOrEmail: "nobody", password: "wrong"}) { errors { code field } } }',
    "query($f: Int, $a: String) { viewer { followers(first: $f, after: $a) { edges { cursor } } } }",
]
VARIABLE_JUNK: list[Any] = [
    None,
    True,
    0,
    -1,
    101,
    2**31,
    2**70,
    -(2**70),
    1.5,
    "x",
    "",
    [],
    {},
    [1, "a"],
    {"k": [None]},
]
ALLOWED_STATUS = {200, 400, 413, 415}


def _garbled_text(rng: random.Random, length: int) -> str:
    # Printable and control characters, accents, CJK and emoji; never lone surrogates.
    pools = [(0, 0x7F), (0xA0, 0x17F), (0x4E00, 0x4FFF), (0x1F300, 0x1F5FF)]
    chars = []
    for _ in range(length):
        low, high = rng.choice(pools)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def _fuzz_case(rng: random.Random) -> tuple[bytes, str]:
    """One garbled request: its body and its content type."""
    kind = rng.randrange(9)
    seed = rng.choice(SEEDS)
    body: Any
    if kind == 0:  # a truncated document
        body = {"query": seed[: rng.randint(1, len(seed) - 1)]}
    elif kind == 1:  # random characters as the document
        body = {"query": _garbled_text(rng, rng.randint(1, 200))}
    elif kind == 2:  # random bytes as the whole body
        return rng.randbytes(rng.randint(0, 300)), "application/json"
    elif kind == 3:  # wrong variable types
        names = ["u", "f", "a", "id", "input"]
        body = {"query": seed, "variables": {rng.choice(names): rng.choice(VARIABLE_JUNK) for _ in range(3)}}
    elif kind == 4:  # huge or negative literals for first
        value = rng.choice([2**31, 2**63, 10**40, -(2**31) - 1, 101, -1, 0])
        body = {"query": f"{{ viewer {{ followers(first: {value}) {{ edges {{ cursor }} }} }} }}"}
    elif kind == 5:  # shuffled tokens of a real document
        tokens = seed.replace("{", " { ").replace("}", " } ").split()
        rng.shuffle(tokens)
        body = {"query": " ".join(tokens)}
    elif kind == 6:  # parameters of the wrong shape
        body = {
            "query": rng.choice([seed, *VARIABLE_JUNK]),
            "operationName": rng.choice(["Q", None, *VARIABLE_JUNK]),
            "variables": rng.choice(VARIABLE_JUNK),
            "extensions": rng.choice(VARIABLE_JUNK),
        }
    elif kind == 7:  # a garbled character spliced into a real document
        cut = rng.randint(0, len(seed))
        body = {"query": seed[:cut] + _garbled_text(rng, rng.randint(1, 5)) + seed[cut:]}
    else:  # odd transports: another content type, or a body past the limit
        if rng.random() < 0.3:
            return b'{"query": "' + b" " * 1_000_001 + b'{ __typename }"}', "application/json"
        content_type = rng.choice(["text/plain", "application/json; charset=latin-1", "application/xml", ""])
        return json.dumps({"query": seed}).encode(), content_type
    return json.dumps(body).encode(), "application/json"


async def test_fuzzed_requests_never_fail_the_server(api: Api) -> None:
    rng = random.Random(1234)
    alice = await api.sign_up("alice")
    for number in range(50):
        content, content_type = _fuzz_case(rng)
        headers = {"accept": GRAPHQL_RESPONSE}
        if number % 2:
            headers["authorization"] = f"Bearer {alice.token}"
        if content_type:
            headers["content-type"] = content_type
        response = await api.http.post("/graphql", content=content, headers=headers)
        case = f"case {number}: {content[:200]!r} as {content_type!r} -> {response.status_code} {response.text[:300]}"
        assert response.status_code in ALLOWED_STATUS, case
        body = response.json()
        assert isinstance(body, dict), case
        if response.status_code != 200:
            assert "data" not in body, case
            assert body["errors"], case
        for error in body.get("errors", []):
            assert isinstance(error["message"], str), case
            code = error["extensions"]["code"]
            assert isinstance(code, str), case
            assert code, case
            assert code != "INTERNAL_SERVER_ERROR", case
