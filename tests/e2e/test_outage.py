"""A store going away: readiness names it, requests fail with a code, recovery needs no restart."""

from __future__ import annotations

import time

from devstack import Stack
from tests.e2e.client import Api

FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status errors { code } } }"


async def test_graph_outage_is_reported_and_recovered_from(api: Api, stack: Stack) -> None:
    assert stack.graph is not None, "this test stops the embedded graph server"
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200

    stack.graph.stop()
    try:
        ready = await api.http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["failing"] == ["graph"]
        assert ready.json()["checks"]["postgres"] == "ok"

        started = time.monotonic()
        body = await api.post(FOLLOW, {"id": bob.id}, token=alice.token)
        assert time.monotonic() - started < 15
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert error["extensions"]["store"] == "graph"
        # The rest of the API keeps working without the graph.
        viewer = await api.data("{ viewer { username } }", token=alice.token)
        assert viewer["viewer"]["username"] == "alice"
    finally:
        stack.graph.start()

    assert (await api.http.get("/readyz")).status_code == 200
    data = await api.data(FOLLOW, {"id": bob.id}, token=alice.token)
    assert data["follow"] == {"status": "FOLLOWING", "errors": []}


async def test_healthz_answers_without_stores(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
