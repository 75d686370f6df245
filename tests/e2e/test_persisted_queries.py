"""Apollo's automatic persisted queries, trusted documents, and the production posture."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from cli import main as shutter
from db.models import Role
from services.persisted import sha256_of
from services.roles import set_role
from services.stores import Stores
from tests.e2e.client import GRAPHQL_RESPONSE, Api
from tests.e2e.conftest import ServerWith

VIEWER = "query Me { viewer { username } }"
USER = 'query Alice { user(username: "alice") { username } }'


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def get(http: httpx.AsyncClient, extensions: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"accept": GRAPHQL_RESPONSE}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await http.get("/graphql", params={"extensions": json.dumps(extensions)}, headers=headers)


async def send(http: httpx.AsyncClient, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"accept": GRAPHQL_RESPONSE}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await http.post("/graphql", json=body, headers=headers)


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


# --- automatic persisted queries ---------------------------------------------------------------


async def test_a_miss_then_registration_then_a_hash_only_get_hit(api: Api, stores: Stores) -> None:
    await api.sign_up("alice")
    digest = sha256_of(USER)
    miss = await get(api.http, persisted(digest))
    assert miss.status_code == 400
    body = miss.json()
    assert "data" not in body
    assert codes(miss) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"  # what Apollo's clients match
    registered = await send(api.http, {"query": USER, "extensions": persisted(digest)})
    assert registered.json() == {"data": {"user": {"username": "alice"}}}
    assert await stores.redis.ttl(f"apq:{digest}") > 0
    hit = await get(api.http, persisted(digest))
    assert hit.json() == {"data": {"user": {"username": "alice"}}}
    # Anonymous hash-only GETs may sit in a shared cache; answers that depend on who asks may not.
    assert hit.headers["cache-control"].startswith("public, max-age=")
    by_post = await send(api.http, {"extensions": persisted(digest)})
    assert by_post.json() == {"data": {"user": {"username": "alice"}}}
    assert by_post.headers["cache-control"] == "no-store"


async def test_signed_in_hash_only_gets_are_not_shared(api: Api) -> None:
    alice = await api.sign_up("alice")
    digest = sha256_of(VIEWER)
    await send(api.http, {"query": VIEWER, "extensions": persisted(digest)}, alice.token)
    hit = await get(api.http, persisted(digest), alice.token)
    assert hit.json() == {"data": {"viewer": {"username": "alice"}}}
    assert hit.headers["cache-control"] == "no-store"


async def test_a_hash_that_does_not_match_its_query_is_refused(api: Api, stores: Stores) -> None:
    wrong = sha256_of("{ __typename }")
    response = await send(api.http, {"query": VIEWER, "extensions": persisted(wrong)})
    assert response.status_code == 400 and codes(response) == ["BAD_REQUEST"]
    assert await stores.redis.get(f"apq:{wrong}") is None


async def test_malformed_persisted_query_extensions_are_request_errors(api: Api) -> None:
    for extensions in (
        {"persistedQuery": {"version": 2, "sha256Hash": sha256_of(VIEWER)}},
        {"persistedQuery": {"version": 1, "sha256Hash": "not-a-hash"}},
        {"persistedQuery": "yes"},
    ):
        response = await get(api.http, extensions)
        assert response.status_code == 400 and codes(response) == ["BAD_REQUEST"], response.text


async def test_a_hash_only_mutation_by_get_is_refused(api: Api) -> None:
    mutation = "mutation { logOut { ok } }"
    digest = sha256_of(mutation)
    await send(api.http, {"query": mutation, "extensions": persisted(digest)})
    response = await get(api.http, persisted(digest))
    assert response.status_code == 405 and codes(response) == ["METHOD_NOT_ALLOWED"]


async def test_documents_over_the_size_cap_run_but_are_not_kept(server_with: ServerWith, stores: Stores) -> None:
    server = server_with(persisted_query_max_bytes=20)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        digest = sha256_of(USER)
        response = await send(http, {"query": USER, "extensions": persisted(digest)})
        assert response.json() == {"data": {"user": None}}
        assert await stores.redis.get(f"apq:{digest}") is None
        assert codes(await get(http, persisted(digest))) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_persisted_queries_can_be_turned_off(server_with: ServerWith) -> None:
    server = server_with(persisted_queries=False)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        response = await get(http, persisted(sha256_of(USER)))
        assert codes(response) == ["PERSISTED_QUERY_NOT_SUPPORTED"]


# --- trusted documents --------------------------------------------------------------------------


async def test_only_trusted_documents_run(server_with: ServerWith, tmp_path: Path, api: Api) -> None:
    await api.sign_up("alice")
    document = tmp_path / "alice.graphql"
    document.write_text(USER)
    manifest = tmp_path / "trusted.json"
    assert shutter(["trusted-documents", str(document), "--output", str(manifest)]) == 0
    assert json.loads(manifest.read_text()) == {sha256_of(USER): USER}
    server = server_with(trusted_documents=manifest)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        by_hash = await get(http, persisted(sha256_of(USER)))
        assert by_hash.json() == {"data": {"user": {"username": "alice"}}}
        in_full = await send(http, {"query": USER})
        assert in_full.json() == {"data": {"user": {"username": "alice"}}}
        other = await send(http, {"query": VIEWER})
        assert other.status_code == 400 and codes(other) == ["PERSISTED_QUERY_NOT_IN_LIST"]
        # A trusted document's operation name is a metrics label: the server chose it.
        metrics = (await http.get("/metrics")).text
        assert 'operation="Alice",type="query"' in metrics
        unknown = await get(http, persisted(sha256_of(VIEWER)))
        assert codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
        # Registering is no way in: the list is fixed.
        registering = await send(http, {"query": VIEWER, "extensions": persisted(sha256_of(VIEWER))})
        assert codes(registering) == ["PERSISTED_QUERY_NOT_FOUND"]
    # Over WebSocket too.
    async with connect(server.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": VIEWER}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert message["type"] == "error"
        assert [error["extensions"]["code"] for error in message["payload"]] == ["PERSISTED_QUERY_NOT_IN_LIST"]


# --- production posture -------------------------------------------------------------------------


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_production_refuses_introspection_but_to_staff(server_with: ServerWith, api: Api, stores: Stores) -> None:
    alice = await api.sign_up("alice")
    moderator = await api.sign_up("mod")
    await set_role(stores, "mod", Role.MODERATOR)
    server = server_with(env="production")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for token in (None, alice.token):
            refused = await send(http, {"query": INTROSPECTION}, token)
            assert refused.status_code == 400
            assert codes(refused) == ["GRAPHQL_VALIDATION_FAILED"]
            assert refused.json()["errors"][0]["extensions"]["reason"] == "INTROSPECTION_DISABLED"
        allowed = await send(http, {"query": INTROSPECTION}, moderator.token)
        assert allowed.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        # __typename is no introspection of the schema.
        assert (await send(http, {"query": "{ __typename }"})).json() == {"data": {"__typename": "Query"}}


async def test_production_hides_field_suggestions_but_from_staff(
    server_with: ServerWith, api: Api, stores: Stores
) -> None:
    moderator_token = (await api.sign_up("mod")).token
    await set_role(stores, "mod", Role.MODERATOR)
    typo = "{ viewer { usernam } }"
    development = await send(api.http, {"query": typo})
    assert "Did you mean" in development.json()["errors"][0]["message"]
    server = server_with(env="production")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        hidden = (await send(http, {"query": typo})).json()["errors"][0]["message"]
        assert "Did you mean" not in hidden and "usernam" in hidden
        staff = (await send(http, {"query": typo}, moderator_token)).json()["errors"][0]["message"]
        assert "Did you mean" in staff


async def test_production_serves_no_graphiql(server_with: ServerWith) -> None:
    server = server_with(env="production")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        assert page.headers["content-type"].startswith("application/")


async def test_batched_operations_are_refused(api: Api) -> None:
    response = await api.http.post(
        "/graphql",
        json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}],
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400 and codes(response) == ["BAD_REQUEST"]
    assert "Batched" in response.json()["errors"][0]["message"]


async def _ws_operation(ws_url: str, payload: dict[str, Any]) -> dict[str, Any]:
    async with connect(ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
        return message


async def test_persisted_queries_over_websocket(api: Api) -> None:
    await api.sign_up("alice")
    digest = sha256_of(USER)
    miss = await _ws_operation(api.ws_url, {"extensions": persisted(digest)})
    assert miss["type"] == "error"
    assert [error["extensions"]["code"] for error in miss["payload"]] == ["PERSISTED_QUERY_NOT_FOUND"]
    registered = await _ws_operation(api.ws_url, {"query": USER, "extensions": persisted(digest)})
    assert registered == {"id": "1", "type": "next", "payload": {"data": {"user": {"username": "alice"}}}}
    hit = await _ws_operation(api.ws_url, {"extensions": persisted(digest)})
    assert hit == {"id": "1", "type": "next", "payload": {"data": {"user": {"username": "alice"}}}}
    mismatch = await _ws_operation(api.ws_url, {"query": VIEWER, "extensions": persisted(digest)})
    assert [error["extensions"]["code"] for error in mismatch["payload"]] == ["BAD_REQUEST"]
