"""Blocking: both ways, at once, and undone by unblock."""

from __future__ import annotations

from tests.e2e.client import Api
from tests.e2e.social import (
    BLOCKED,
    MISSING_USER_ID,
    NODE,
    REQUESTS,
    act,
    codes,
    counts,
    follow,
    names,
    profile,
    seen,
    unfollow,
)


async def test_block_cuts_follows_both_ways(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    carol = await api.sign_up("carol")
    for actor, target in ((alice, bob), (bob, alice), (carol, alice), (carol, bob)):
        await follow(api, actor, target)
    assert await counts(api, "alice") == (2, 1)

    payload = await act(api, "block", alice, bob)

    assert payload["errors"] == []
    assert payload["user"]["username"] == "bob"
    assert payload["user"]["viewerHasBlocked"] is True
    assert (payload["user"]["viewerIsFollowing"], payload["user"]["followsViewer"]) == (False, False)
    assert await counts(api, "alice") == (1, 0)
    assert await counts(api, "bob") == (1, 0)
    # Third parties' follows stay.
    assert await counts(api, "carol") == (0, 2)


async def test_block_cuts_requests_both_ways(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob", private=True)
    assert (await follow(api, bob, alice))["status"] == "REQUESTED"
    assert (await follow(api, alice, bob))["status"] == "REQUESTED"

    await act(api, "block", alice, bob)

    assert await names(api, REQUESTS, alice) == []
    assert await names(api, REQUESTS, bob) == []
    await act(api, "unblock", alice, bob)
    assert (await seen(api, bob, "alice"))["viewerHasRequested"] is False
    assert (await seen(api, alice, "bob"))["viewerHasRequested"] is False


async def test_blocked_user_cannot_follow_the_blocker(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await act(api, "block", alice, bob)

    payload = await follow(api, bob, alice)
    missing = await follow(api, bob, MISSING_USER_ID)

    # Hidden looks exactly like missing.
    assert codes(payload) == [("NOT_FOUND", "userId")]
    assert payload == missing
    assert await counts(api, "alice") == (0, 0)


async def test_blocked_user_gets_no_profile_from_unfollow(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await act(api, "block", alice, bob)

    payload = await unfollow(api, bob, alice)
    missing = await unfollow(api, bob, MISSING_USER_ID)

    # Hidden looks exactly like missing: the payload hands out no profile of the blocker.
    assert payload == missing
    assert codes(payload) == [("NOT_FOUND", "userId")]


async def test_blocker_cannot_follow_the_blocked(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await act(api, "block", alice, bob)

    payload = await follow(api, alice, bob)

    assert codes(payload) == [("BLOCKED", "userId")]
    assert payload["status"] is None
    assert await counts(api, "bob") == (0, 0)


async def test_blocked_private_account_cannot_be_requested(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    await act(api, "block", alice, bob)

    assert codes(await follow(api, bob, alice)) == [("NOT_FOUND", "userId")]
    assert await names(api, REQUESTS, alice) == []


async def test_block_hides_each_from_the_other(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    carol = await api.sign_up("carol")

    await act(api, "block", alice, bob)

    for viewer, other in ((alice, bob), (bob, alice)):
        assert await profile(api, viewer, other.username) is None
        assert (await api.data(NODE, {"id": other.id}, token=viewer.token))["node"] is None
        # Each still sees themself.
        assert (await seen(api, viewer, viewer.username))["username"] == viewer.username
    # Everyone else still sees both.
    for bystander in (carol, None):
        assert (await seen(api, bystander, "alice"))["username"] == "alice"
        assert (await seen(api, bystander, "bob"))["username"] == "bob"


async def test_blocked_users_lists_whom_the_viewer_blocks(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    carol = await api.sign_up("carol")

    await act(api, "block", alice, bob)
    await act(api, "block", alice, carol)

    data = await api.data(BLOCKED, token=alice.token)
    assert data["blockedUsers"]["edges"] == [
        {"node": {"username": "carol", "viewerHasBlocked": True}},
        {"node": {"username": "bob", "viewerHasBlocked": True}},
    ]
    assert await names(api, BLOCKED, bob) == []
    # Blocking again is harmless.
    assert (await act(api, "block", alice, bob))["errors"] == []
    assert await names(api, BLOCKED, alice) == ["carol", "bob"]


async def test_unblock_restores_visibility_but_not_follows(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await follow(api, alice, bob)
    await follow(api, bob, alice)
    await act(api, "block", alice, bob)

    payload = await act(api, "unblock", alice, bob)

    assert payload["errors"] == []
    assert payload["user"]["viewerHasBlocked"] is False
    by_alice = await seen(api, alice, "bob")
    by_bob = await seen(api, bob, "alice")
    assert (by_alice["viewerIsFollowing"], by_alice["followsViewer"], by_alice["viewerHasBlocked"]) == (
        False,
        False,
        False,
    )
    assert by_bob["viewerIsFollowing"] is False
    assert (await api.data(NODE, {"id": alice.id}, token=bob.token))["node"]["username"] == "alice"
    assert await counts(api, "alice") == (0, 0)
    assert await counts(api, "bob") == (0, 0)
    assert await names(api, BLOCKED, alice) == []
    # And following works again.
    assert (await follow(api, bob, alice))["status"] == "FOLLOWING"


async def test_unblock_by_the_blocked_user_does_nothing(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await act(api, "block", alice, bob)

    await act(api, "unblock", bob, alice)

    assert await profile(api, bob, "alice") is None
    assert await names(api, BLOCKED, alice) == ["bob"]


async def test_cannot_block_yourself(api: Api) -> None:
    alice = await api.sign_up("alice")

    payload = await act(api, "block", alice, alice)

    assert codes(payload) == [("CANNOT_BLOCK_SELF", "userId")]
    assert payload["user"] is None
    assert await names(api, BLOCKED, alice) == []


# --- follower and following lists ---------------------------------------------------------
