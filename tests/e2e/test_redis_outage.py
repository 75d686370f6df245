"""Redis holds no data: while it is down reads and follows work, log-ins are refused."""

from __future__ import annotations

import pytest

from devstack import Stack
from tests.e2e.client import PASSWORD, Api

LOG_IN = """mutation($login: String!, $password: String!) {
  logIn(input: {usernameOrEmail: $login, password: $password}) { accessToken errors { code field } } }"""
FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status errors { code } } }"


async def test_redis_outage(api: Api, stack: Stack) -> None:
    if stack.valkey is None:
        pytest.skip("Redis is external in this run; only the embedded one can be stopped")
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    stack.valkey.stop()
    try:
        ready = await api.http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["failing"] == ["redis"]
        # Follow counts fall back to the graph; the follow itself needs no Redis.
        data = await api.data(FOLLOW, {"id": bob.id}, token=alice.token)
        assert data["follow"] == {"status": "FOLLOWING", "errors": []}
        counts = await api.data('{ user(username: "bob") { followerCount } }', token=alice.token)
        assert counts["user"]["followerCount"] == 1
        # Log-in limits cannot be enforced without Redis: refuse rather than let guessing run free.
        body = await api.post(LOG_IN, {"login": "alice", "password": PASSWORD})
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert body["errors"][0]["extensions"]["store"] == "redis"
    finally:
        stack.valkey.start()
    assert (await api.http.get("/readyz")).status_code == 200
    data = await api.data(LOG_IN, {"login": "alice", "password": PASSWORD})
    assert data["logIn"]["errors"] == [] and data["logIn"]["accessToken"]
