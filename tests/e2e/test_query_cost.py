"""Abuse resistance over HTTP and WebSocket: static cost, the per-operation deadline, rate
limits spent by cost, and content limits per user."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from bench.feed import FEED_QUERY
from settings import Settings
from tests.e2e.client import GRAPHQL_RESPONSE, Api
from tests.e2e.conftest import ServerWith, api_of

TRANSPORT_WS = Subprotocol("graphql-transport-ws")

TWO_LEVELS = (
    "{ viewer { following(first: 100) { edges { node { followers(first: 100) "
    "{ edges { node { username followerCount } } } } } } } }"
)
THREE_LEVELS = (
    "{ viewer { following(first: 100) { edges { node { followers(first: 100) { edges { node { "
    "followers(first: 100) { edges { node { username } } } } } } } } } } }"
)
ALIASED = (
    "{ "
    + " ".join(
        f'a{i}: searchUsers(query: "a", first: 100) '
        "{ edges { node { followers(first: 100) { edges { node { username } } } } } }"
        for i in range(25)
    )
    + " }"
)
FULL_CARD = """query ($first: Int!) { feed(first: $first) { edges { cursor reason node {
  id caption location audience createdAt editedAt likeCount commentCount viewerHasLiked viewerHasSaved hashtags
  author { id username fullName isPrivate viewerIsFollowing }
  media { id kind status width height blurhash altText url(size: 640) videoUrl }
  previewComments { id text createdAt author { id username } } } }
  pageInfo { hasNextPage endCursor } } }"""


async def post(
    api: Api,
    query: str,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    sent = {"accept": GRAPHQL_RESPONSE, **(headers or {})}
    if token:
        sent["authorization"] = f"Bearer {token}"
    return await api.http.post("/graphql", json={"query": query, "variables": variables}, headers=sent)


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


# --- static cost --------------------------------------------------------------------------------


async def test_crafted_queries_are_refused_fast_before_any_resolver(api: Api, settings: Settings) -> None:
    alice = await api.sign_up("alice")
    for query in (TWO_LEVELS, THREE_LEVELS, ALIASED):
        started = time.perf_counter()
        response = await post(api, query, token=alice.token)
        elapsed = time.perf_counter() - started
        assert response.status_code == 400, response.text
        body = response.json()
        assert "data" not in body
        assert codes(body) == ["QUERY_TOO_COMPLEX"]
        extensions = body["errors"][0]["extensions"]
        assert extensions["maxCost"] == settings.max_query_cost
        assert extensions["cost"] > settings.max_query_cost
        assert elapsed < 0.1, f"{elapsed:.3f} s"


async def test_the_cost_of_nesting_multiplies(api: Api) -> None:
    alice = await api.sign_up("alice")
    costs = []
    for query in (TWO_LEVELS, THREE_LEVELS):
        body = (await post(api, query, token=alice.token)).json()
        costs.append(body["errors"][0]["extensions"]["cost"])
    assert costs[1] > 50 * costs[0]


async def test_the_full_feed_card_of_a_hundred_posts_is_allowed(api: Api) -> None:
    alice = await api.sign_up("alice")
    for query in (FULL_CARD, FEED_QUERY):
        response = await post(api, query, token=alice.token, variables={"first": 100})
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text


async def test_the_cost_is_reported_when_asked(api: Api) -> None:
    alice = await api.sign_up("alice")
    plain = (await post(api, "{ viewer { username } }", token=alice.token)).json()
    assert "cost" not in plain.get("extensions", {})
    asked = (
        await post(api, FULL_CARD, token=alice.token, variables={"first": 10}, headers={"shutter-query-cost": "true"})
    ).json()
    small = asked["extensions"]["cost"]
    bigger = (
        await post(api, FULL_CARD, token=alice.token, variables={"first": 20}, headers={"shutter-query-cost": "1"})
    ).json()["extensions"]["cost"]
    assert 0 < small < bigger


async def test_cost_is_the_same_over_websocket(api: Api) -> None:
    alice = await api.sign_up("alice")
    over_http = (await post(api, TWO_LEVELS, token=alice.token)).json()["errors"][0]["extensions"]
    async with connect(api.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {alice.token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": TWO_LEVELS}}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message["type"] != "ka":
                break
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [error["extensions"]["code"] for error in errors] == ["QUERY_TOO_COMPLEX"]
    assert errors[0]["extensions"]["cost"] == over_http["cost"]


async def test_a_client_sending_refused_operations_is_rate_limited(server_with: ServerWith) -> None:
    server = server_with(refused_operations_per_minute=2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        api = api_of(server, http)
        alice, bob = await api.sign_up("alice"), await api.sign_up("bob")
        answers = [await post(api, TWO_LEVELS, token=alice.token) for _ in range(3)]
        assert [codes(a.json()) for a in answers] == [["QUERY_TOO_COMPLEX"]] * 2 + [["RATE_LIMITED"]]
        assert answers[2].status_code == 429 and int(answers[2].headers["retry-after"]) == 30
        # Others are refused as before, and what is cheap still runs for the same client.
        assert codes((await post(api, TWO_LEVELS, token=bob.token)).json()) == ["QUERY_TOO_COMPLEX"]
        assert (await api.data("{ viewer { username } }", token=alice.token)) == {"viewer": {"username": "alice"}}


# --- the deadline -------------------------------------------------------------------------------


async def test_an_operation_past_its_deadline_answers_json(api: Api, server_with: ServerWith) -> None:
    alice = await api.sign_up("alice")
    server = server_with(operation_timeout_seconds=0.001, max_query_cost=10_000_000)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        slow = api_of(server, http)
        for query in (THREE_LEVELS, '{ user(username: "alice") { followers(first: 5) { edges { cursor } } } }'):
            response = await post(slow, query, token=alice.token)
            assert response.status_code == 504, response.text
            assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
            body = response.json()
            assert body["data"] is None
            assert codes(body) == ["TIMEOUT"]
        legacy = await http.post(
            "/graphql",
            json={"query": THREE_LEVELS},
            headers={"authorization": f"Bearer {alice.token}", "accept": "application/json"},
        )
        assert legacy.status_code == 200 and codes(legacy.json()) == ["TIMEOUT"]
        # The process goes on serving: what needs no store answers at once.
        assert await slow.data("{ __typename }") == {"__typename": "Query"}


# --- rate limits --------------------------------------------------------------------------------


async def test_anonymous_traffic_spends_its_address_bucket_and_it_refills(server_with: ServerWith) -> None:
    # A bucket of 40 that refills 20 a second; a user lookup with two followers costs 15.
    server = server_with(rate_limit_address_burst=40, rate_limit_address_per_second=20.0)
    query = '{ user(username: "nobody") { followers(first: 2) { edges { cursor } } } }'
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        api = api_of(server, http)
        statuses = [(await post(api, query)).status_code for _ in range(4)]
        assert statuses[0] == 200 and 429 in statuses, statuses
        refused = await post(api, query)
        assert refused.status_code == 429
        body = refused.json()
        assert codes(body) == ["RATE_LIMITED"]
        wait = body["errors"][0]["extensions"]["retryAfter"]
        assert refused.headers["retry-after"] == str(wait) and 1 <= wait <= 2
        await asyncio.sleep(wait)
        assert (await post(api, query)).status_code == 200


async def test_a_signed_in_user_has_a_bucket_of_their_own(server_with: ServerWith) -> None:
    # Each look at the viewer's followers costs 14: one fits in 20, two do not.
    server = server_with(rate_limit_user_burst=20, rate_limit_user_per_second=1.0)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        api = api_of(server, http)
        alice, bob = await api.sign_up("alice"), await api.sign_up("bob")
        query = "{ viewer { followers(first: 1) { edges { cursor } } } }"
        first = await post(api, query, token=alice.token)
        assert first.status_code == 200
        second = await post(api, query, token=alice.token)
        assert second.status_code == 429 and codes(second.json()) == ["RATE_LIMITED"]
        assert (await post(api, query, token=bob.token)).status_code == 200


async def test_follows_are_limited_per_user_an_hour(server_with: ServerWith) -> None:
    server = server_with(follows_per_hour=2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        api = api_of(server, http)
        spammer = await api.sign_up("spammer")
        targets = [await api.sign_up(f"target{i}") for i in range(3)]
        follow = "mutation($id: ID!) { follow(userId: $id) { status errors { code } } }"
        for target in targets[:2]:
            assert (await api.data(follow, {"id": target.id}, token=spammer.token))["follow"]["status"] == "FOLLOWING"
        refused = await post(api, follow, token=spammer.token, variables={"id": targets[2].id})
        assert refused.status_code == 429
        assert codes(refused.json()) == ["RATE_LIMITED"]
        assert int(refused.headers["retry-after"]) > 60  # two an hour: the next comes in half an hour
        # Someone else still follows freely.
        other = await api.sign_up("other")
        assert (await api.data(follow, {"id": targets[2].id}, token=other.token))["follow"]["status"] == "FOLLOWING"


async def test_aliased_mutations_each_count_against_the_limit(server_with: ServerWith) -> None:
    server = server_with(follows_per_hour=2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        api = api_of(server, http)
        spammer = await api.sign_up("spammer")
        targets = [await api.sign_up(f"target{i}") for i in range(3)]
        fields = " ".join(f'f{i}: follow(userId: "{t.id}") {{ status }}' for i, t in enumerate(targets))
        refused = await post(api, f"mutation {{ {fields} }}", token=spammer.token)
        assert refused.status_code == 429, refused.text
        following = await api.data("{ viewer { followingCount } }", token=spammer.token)
        assert following == {"viewer": {"followingCount": 0}}


async def test_sign_ups_are_limited_per_address(server_with: ServerWith) -> None:
    server = server_with(sign_ups_per_address_per_hour=2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        api = api_of(server, http)
        await api.sign_up("one")
        await api.sign_up("two")
        third = await post(
            api,
            'mutation { signUp(input: {username: "three", email: "three@example.com", password: "long enough pw"}) '
            "{ errors { code } } }",
        )
        assert third.status_code == 429 and codes(third.json()) == ["RATE_LIMITED"]
        assert (await api.data('{ user(username: "three") { username } }')) == {"user": None}
