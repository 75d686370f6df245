"""Following, follow requests and removing followers."""

from __future__ import annotations

import base64

import pytest

from tests.e2e.client import Api
from tests.e2e.social import (
    FOLLOW_MUTATION,
    MISSING_USER_ID,
    REQUESTS,
    act,
    codes,
    counts,
    follow,
    mutate,
    names,
    people,
    seen,
    unfollow,
)


async def test_follow_a_public_account(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")

    payload = await follow(api, bob, alice)

    assert payload["errors"] == []
    assert payload["status"] == "FOLLOWING"
    assert payload["user"]["username"] == "alice"
    assert payload["user"]["viewerIsFollowing"] is True
    assert payload["user"]["followerCount"] == 1
    by_bob = await seen(api, bob, "alice")
    assert (by_bob["viewerIsFollowing"], by_bob["followsViewer"], by_bob["viewerHasRequested"]) == (True, False, False)
    by_alice = await seen(api, alice, "bob")
    assert (by_alice["viewerIsFollowing"], by_alice["followsViewer"]) == (False, True)
    assert await counts(api, "alice") == (1, 0)
    assert await counts(api, "bob") == (0, 1)


async def test_following_twice_changes_nothing(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await follow(api, bob, alice)

    again = await follow(api, bob, alice)

    assert again["errors"] == []
    assert again["status"] == "FOLLOWING"
    assert again["user"]["followerCount"] == 1
    assert await counts(api, "alice") == (1, 0)
    assert await counts(api, "bob") == (0, 1)
    assert (await people(api, alice, "alice"))["followers"] == ["bob"]


async def test_mutual_follows(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")

    await follow(api, bob, alice)
    await follow(api, alice, bob)

    by_bob = await seen(api, bob, "alice")
    assert (by_bob["viewerIsFollowing"], by_bob["followsViewer"]) == (True, True)
    assert await counts(api, "alice") == (1, 1)
    assert await counts(api, "bob") == (1, 1)


async def test_relationship_fields_are_false_for_anonymous(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await follow(api, bob, alice)
    await follow(api, alice, bob)

    anonymous = await seen(api, None, "alice")

    assert anonymous["followerCount"] == 1
    assert not any(anonymous[key] for key in ("viewerIsFollowing", "followsViewer", "viewerHasRequested"))


# --- private accounts and requests --------------------------------------------------------


async def test_follow_a_private_account_makes_a_request(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")

    payload = await follow(api, bob, alice)

    assert payload["errors"] == []
    assert payload["status"] == "REQUESTED"
    by_bob = await seen(api, bob, "alice")
    assert (by_bob["viewerIsFollowing"], by_bob["viewerHasRequested"]) == (False, True)
    assert await counts(api, "alice") == (0, 0)
    assert await counts(api, "bob") == (0, 0)
    assert await names(api, REQUESTS, alice) == ["bob"]
    # Asking again is harmless: still one request.
    assert (await follow(api, bob, alice))["status"] == "REQUESTED"
    assert await names(api, REQUESTS, alice) == ["bob"]


async def test_follow_requests_are_newest_first_and_only_the_owners(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    others = [await api.sign_up(name) for name in ("carol", "dave", "erin")]
    for other in others:
        await follow(api, other, alice)

    assert await names(api, REQUESTS, alice) == ["erin", "dave", "carol"]
    assert await names(api, REQUESTS, bob) == []


async def test_follow_requests_need_authentication(api: Api) -> None:
    body = await api.post(REQUESTS)

    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]


async def test_approve_a_follow_request(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    await follow(api, bob, alice)

    payload = await act(api, "approveFollowRequest", alice, bob)

    assert payload["errors"] == []
    assert payload["user"]["username"] == "bob"
    assert payload["user"]["followsViewer"] is True
    by_bob = await seen(api, bob, "alice")
    assert (by_bob["viewerIsFollowing"], by_bob["viewerHasRequested"]) == (True, False)
    assert await counts(api, "alice") == (1, 0)
    assert await counts(api, "bob") == (0, 1)
    assert await names(api, REQUESTS, alice) == []
    # Following again keeps the approved follow.
    assert (await follow(api, bob, alice))["status"] == "FOLLOWING"
    assert await counts(api, "alice") == (1, 0)


async def test_reject_a_follow_request(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    await follow(api, bob, alice)

    payload = await act(api, "rejectFollowRequest", alice, bob)

    assert payload["errors"] == []
    assert payload["user"]["username"] == "bob"
    by_bob = await seen(api, bob, "alice")
    assert (by_bob["viewerIsFollowing"], by_bob["viewerHasRequested"]) == (False, False)
    assert await names(api, REQUESTS, alice) == []
    assert await counts(api, "alice") == (0, 0)
    # Rejecting is final for this request; a new one may be made.
    assert codes(await act(api, "rejectFollowRequest", alice, bob)) == [("NOT_FOUND", "userId")]
    assert (await follow(api, bob, alice))["status"] == "REQUESTED"


@pytest.mark.parametrize("name", ["approveFollowRequest", "rejectFollowRequest"])
async def test_answering_a_request_that_was_not_made(api: Api, name: str) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    carol = await api.sign_up("carol")
    await follow(api, carol, alice)

    payload = await act(api, name, alice, bob)

    assert codes(payload) == [("NOT_FOUND", "userId")]
    assert payload["user"] is None
    assert (await seen(api, bob, "alice"))["viewerIsFollowing"] is False
    assert await counts(api, "alice") == (0, 0)
    assert await names(api, REQUESTS, alice) == ["carol"]


async def test_approving_twice_is_harmless_but_approving_a_stranger_is_not_found(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    carol = await api.sign_up("carol")
    await follow(api, bob, alice)
    await act(api, "approveFollowRequest", alice, bob)

    assert codes(await act(api, "approveFollowRequest", alice, bob)) == []
    assert await counts(api, "alice") == (1, 0)
    assert codes(await act(api, "approveFollowRequest", alice, carol)) == [("NOT_FOUND", "userId")]


async def test_requests_are_answered_by_their_addressee_only(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    await follow(api, bob, alice)

    # bob cannot approve his own request to alice.
    assert codes(await act(api, "approveFollowRequest", bob, alice)) == [("NOT_FOUND", "userId")]
    assert (await seen(api, bob, "alice"))["viewerIsFollowing"] is False
    assert await names(api, REQUESTS, alice) == ["bob"]


async def test_unfollow_withdraws_a_pending_request(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    await follow(api, bob, alice)

    payload = await unfollow(api, bob, alice)

    assert payload["errors"] == []
    assert payload["status"] == "NOT_FOLLOWING"
    assert payload["user"]["viewerHasRequested"] is False
    assert await names(api, REQUESTS, alice) == []
    assert codes(await act(api, "approveFollowRequest", alice, bob)) == [("NOT_FOUND", "userId")]


# --- unfollowing and removing followers ---------------------------------------------------


async def test_unfollow(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await follow(api, bob, alice)
    await follow(api, alice, bob)

    payload = await unfollow(api, bob, alice)

    assert payload["errors"] == []
    assert payload["status"] == "NOT_FOLLOWING"
    assert payload["user"]["viewerIsFollowing"] is False
    assert payload["user"]["followerCount"] == 0
    assert await counts(api, "alice") == (0, 1)
    assert await counts(api, "bob") == (1, 0)
    assert (await seen(api, bob, "alice"))["followsViewer"] is True
    # Unfollowing again is harmless.
    again = await unfollow(api, bob, alice)
    assert (again["status"], again["errors"]) == ("NOT_FOLLOWING", [])
    assert await counts(api, "alice") == (0, 1)


async def test_remove_follower(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await follow(api, bob, alice)
    await follow(api, alice, bob)

    payload = await act(api, "removeFollower", alice, bob)

    assert payload["errors"] == []
    assert payload["user"]["username"] == "bob"
    assert payload["user"]["followsViewer"] is False
    # Only bob's follow of alice went; alice still follows bob.
    assert payload["user"]["viewerIsFollowing"] is True
    assert (await seen(api, bob, "alice"))["viewerIsFollowing"] is False
    assert await counts(api, "alice") == (0, 1)
    assert await counts(api, "bob") == (1, 0)
    assert (await people(api, alice, "alice"))["followers"] == []


# --- bad targets --------------------------------------------------------------------------


async def test_cannot_follow_yourself(api: Api) -> None:
    alice = await api.sign_up("alice")

    payload = await follow(api, alice, alice)

    assert codes(payload) == [("CANNOT_FOLLOW_SELF", "userId")]
    assert (payload["status"], payload["user"]) == (None, None)
    assert await counts(api, "alice") == (0, 0)


BAD_IDS = ["not-an-id", "", base64.b64encode(b"User:abc").decode(), base64.b64encode(b"Post:1").decode()]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("name", ["follow", "unfollow"])
async def test_follow_with_a_malformed_id(api: Api, name: str, bad_id: str) -> None:
    alice = await api.sign_up("alice")

    payload = await mutate(api, FOLLOW_MUTATION, name, alice, bad_id)

    assert codes(payload) == [("INVALID_ID", "userId")]
    assert (payload["status"], payload["user"]) == (None, None)


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("name", ["approveFollowRequest", "rejectFollowRequest", "removeFollower", "block", "unblock"])
async def test_social_mutations_with_a_malformed_id(api: Api, name: str, bad_id: str) -> None:
    alice = await api.sign_up("alice")

    payload = await act(api, name, alice, bad_id)

    assert codes(payload) == [("INVALID_ID", "userId")]
    assert payload["user"] is None


@pytest.mark.parametrize("name", ["follow", "unfollow"])
async def test_follow_a_missing_user(api: Api, name: str) -> None:
    alice = await api.sign_up("alice")

    payload = await mutate(api, FOLLOW_MUTATION, name, alice, MISSING_USER_ID)

    assert codes(payload) == [("NOT_FOUND", "userId")]
    assert (payload["status"], payload["user"]) == (None, None)
    assert await counts(api, "alice") == (0, 0)


@pytest.mark.parametrize("name", ["approveFollowRequest", "rejectFollowRequest", "removeFollower", "block", "unblock"])
async def test_social_mutations_on_a_missing_user(api: Api, name: str) -> None:
    alice = await api.sign_up("alice")

    payload = await act(api, name, alice, MISSING_USER_ID)

    assert codes(payload) == [("NOT_FOUND", "userId")]
    assert payload["user"] is None


# --- blocking -----------------------------------------------------------------------------
