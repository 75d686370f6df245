"""The API answers over HTTP against real stores."""

from __future__ import annotations

from tests.e2e.client import Api


async def test_sign_up_then_viewer(api: Api) -> None:
    alice = await api.sign_up("alice")
    data = await api.data("{ viewer { username followerCount email } }", token=alice.token)
    assert data["viewer"] == {"username": "alice", "followerCount": 0, "email": "alice@example.com"}
