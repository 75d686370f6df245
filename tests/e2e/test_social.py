"""Following, follow requests, removing followers, blocking, and the lists they make."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from tests.e2e.client import Account, Api

ERRORS = "errors { code field message }"
RELATION = (
    "id username followerCount followingCount viewerIsFollowing followsViewer viewerHasRequested viewerHasBlocked"
)
FOLLOW_MUTATION = "mutation($id: ID!) {{ {name}(userId: $id) {{ status user {{ {fields} }} {errors} }} }}"
USER_MUTATION = "mutation($id: ID!) {{ {name}(userId: $id) {{ user {{ {fields} }} {errors} }} }}"
PROFILE = f"query($username: String!) {{ user(username: $username) {{ {RELATION} }} }}"
NODE = "query($id: ID!) { node(id: $id) { id ... on User { username } } }"
PEOPLE = """query($username: String!, $first: Int, $after: String) { user(username: $username) {
    followers(first: $first, after: $after) { edges { cursor node { username } } pageInfo { hasNextPage endCursor } }
    following(first: $first, after: $after) { edges { cursor node { username } } pageInfo { hasNextPage endCursor } }
} }"""
FOLLOWERS_PAGE = """query($username: String!, $first: Int, $after: String) { user(username: $username) {
    followers(first: $first, after: $after) {
        edges { cursor node { username } } pageInfo { hasNextPage hasPreviousPage endCursor } }
} }"""
REQUESTS = "{ followRequests { edges { node { username viewerHasRequested } } } }"
BLOCKED = "{ blockedUsers { edges { node { username viewerHasBlocked } } } }"
MISSING_USER_ID = base64.b64encode(b"User:123456789").decode()


async def follow(api: Api, actor: Account, target: Account | str) -> dict[str, Any]:
    return await _mutate(api, FOLLOW_MUTATION, "follow", actor, target)


async def unfollow(api: Api, actor: Account, target: Account | str) -> dict[str, Any]:
    return await _mutate(api, FOLLOW_MUTATION, "unfollow", actor, target)


async def act(api: Api, name: str, actor: Account, target: Account | str) -> dict[str, Any]:
    """One of the UserPayload mutations: approve/rejectFollowRequest, removeFollower, block, unblock."""
    return await _mutate(api, USER_MUTATION, name, actor, target)


async def _mutate(api: Api, template: str, name: str, actor: Account, target: Account | str) -> dict[str, Any]:
    query = template.format(name=name, fields=RELATION, errors=ERRORS)
    user_id = target if isinstance(target, str) else target.id
    data = await api.data(query, {"id": user_id}, token=actor.token)
    payload: dict[str, Any] = data[name]
    return payload


async def profile(api: Api, viewer: Account | None, username: str) -> dict[str, Any] | None:
    data = await api.data(PROFILE, {"username": username}, token=viewer.token if viewer else None)
    found: dict[str, Any] | None = data["user"]
    return found


async def seen(api: Api, viewer: Account | None, username: str) -> dict[str, Any]:
    """The profile as ``viewer`` sees it; it must be visible."""
    found = await profile(api, viewer, username)
    assert found is not None, f"{username} is hidden from {viewer.username if viewer else 'anonymous'}"
    return found


async def counts(api: Api, username: str) -> tuple[int, int]:
    found = await seen(api, None, username)
    return found["followerCount"], found["followingCount"]


async def names(api: Api, query: str, viewer: Account) -> list[str]:
    data = await api.data(query, token=viewer.token)
    connection = next(iter(data.values()))
    return [edge["node"]["username"] for edge in connection["edges"]]


async def people(api: Api, viewer: Account | None, username: str, first: int | None = None) -> dict[str, list[str]]:
    """Usernames in ``username``'s followers and following lists, as ``viewer`` sees them."""
    variables = {"username": username, "first": first}
    data = await api.data(PEOPLE, variables, token=viewer.token if viewer else None)
    return {
        side: [edge["node"]["username"] for edge in data["user"][side]["edges"]] for side in ("followers", "following")
    }


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(error["code"], error["field"]) for error in payload["errors"]]


# --- following public accounts ------------------------------------------------------------


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

    payload = await _mutate(api, FOLLOW_MUTATION, name, alice, bad_id)

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

    payload = await _mutate(api, FOLLOW_MUTATION, name, alice, MISSING_USER_ID)

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


async def test_followers_and_following_are_newest_first(api: Api) -> None:
    alice = await api.sign_up("alice")
    others = [await api.sign_up(name) for name in ("bob", "carol", "dave")]
    for other in others:
        await follow(api, other, alice)
    for other in reversed(others):
        await follow(api, alice, other)

    lists = await people(api, alice, "alice")

    assert lists == {"followers": ["dave", "carol", "bob"], "following": ["bob", "carol", "dave"]}
    assert await people(api, None, "alice") == lists


async def test_followers_pages_walk_everyone_once(api: Api) -> None:
    alice = await api.sign_up("alice")
    followers = [await api.sign_up(f"follower{i}") for i in range(7)]
    for follower in followers:
        await follow(api, follower, alice)

    pages: list[list[str]] = []
    more: list[bool] = []
    after: str | None = None
    while True:
        data = await api.data(FOLLOWERS_PAGE, {"username": "alice", "first": 3, "after": after}, token=alice.token)
        connection = data["user"]["followers"]
        pages.append([edge["node"]["username"] for edge in connection["edges"]])
        more.append(connection["pageInfo"]["hasNextPage"])
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
        after = connection["pageInfo"]["endCursor"]
        if not connection["pageInfo"]["hasNextPage"] or len(pages) > 5:
            break

    assert [len(page) for page in pages] == [3, 3, 1]
    assert more == [True, True, False]
    walked = [name for page in pages for name in page]
    assert walked == [follower.username for follower in reversed(followers)]
    # Past the end: nothing more.
    data = await api.data(FOLLOWERS_PAGE, {"username": "alice", "first": 3, "after": after}, token=alice.token)
    assert data["user"]["followers"]["edges"] == []
    assert data["user"]["followers"]["pageInfo"]["hasNextPage"] is False


async def test_followers_default_page_holds_everyone(api: Api) -> None:
    alice = await api.sign_up("alice")
    for i in range(7):
        await follow(api, await api.sign_up(f"follower{i}"), alice)

    data = await api.data(FOLLOWERS_PAGE, {"username": "alice"}, token=alice.token)

    assert len(data["user"]["followers"]["edges"]) == 7
    assert data["user"]["followers"]["pageInfo"]["hasNextPage"] is False


async def test_first_zero_returns_no_edges(api: Api) -> None:
    alice = await api.sign_up("alice")
    await follow(api, await api.sign_up("bob"), alice)

    data = await api.data(FOLLOWERS_PAGE, {"username": "alice", "first": 0}, token=alice.token)

    assert data["user"]["followers"]["edges"] == []


@pytest.mark.parametrize("first", [101, -1])
async def test_first_out_of_range_is_invalid_input(api: Api, first: int) -> None:
    alice = await api.sign_up("alice")
    await follow(api, await api.sign_up("bob"), alice)

    body = await api.post(FOLLOWERS_PAGE, {"username": "alice", "first": first}, token=alice.token)

    assert [error["extensions"]["code"] for error in body["errors"]] == ["INVALID_INPUT"]
    assert body["errors"][0]["path"] == ["user", "followers"]


async def test_first_at_the_cap_is_allowed(api: Api) -> None:
    alice = await api.sign_up("alice")
    await follow(api, await api.sign_up("bob"), alice)

    data = await api.data(FOLLOWERS_PAGE, {"username": "alice", "first": 100}, token=alice.token)

    assert [edge["node"]["username"] for edge in data["user"]["followers"]["edges"]] == ["bob"]


@pytest.mark.parametrize(
    "after", ["garbage", "", "!!!", base64.urlsafe_b64encode(b"c1:1").decode(), base64.b64encode(b"x:1:2").decode()]
)
async def test_garbage_cursor_is_invalid_cursor(api: Api, after: str) -> None:
    alice = await api.sign_up("alice")
    await follow(api, await api.sign_up("bob"), alice)

    body = await api.post(FOLLOWERS_PAGE, {"username": "alice", "first": 3, "after": after}, token=alice.token)

    assert [error["extensions"]["code"] for error in body["errors"]] == ["INVALID_CURSOR"]
    assert body["errors"][0]["path"] == ["user", "followers"]


async def test_private_lists_are_for_the_owner_and_approved_followers(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    carol = await api.sign_up("carol")
    dave = await api.sign_up("dave")
    erin = await api.sign_up("erin")
    await follow(api, bob, alice)
    await act(api, "approveFollowRequest", alice, bob)
    assert (await follow(api, carol, alice))["status"] == "REQUESTED"
    await follow(api, alice, erin)
    full = {"followers": ["bob"], "following": ["erin"]}
    empty: dict[str, list[str]] = {"followers": [], "following": []}

    assert await people(api, alice, "alice") == full
    assert await people(api, bob, "alice") == full
    assert await people(api, carol, "alice") == empty
    assert await people(api, dave, "alice") == empty
    assert await people(api, None, "alice") == empty
    for viewer in (alice, bob, carol, dave, None):
        found = await seen(api, viewer, "alice")
        assert (found["followerCount"], found["followingCount"]) == (1, 1)


async def test_lists_hide_blocked_people(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    carol = await api.sign_up("carol")
    await follow(api, bob, alice)
    await follow(api, carol, alice)
    await act(api, "block", carol, bob)

    assert (await people(api, carol, "alice"))["followers"] == ["carol"]
    assert (await people(api, bob, "alice"))["followers"] == ["bob"]
    assert (await people(api, alice, "alice"))["followers"] == ["carol", "bob"]


# --- concurrency --------------------------------------------------------------------------


async def test_concurrent_follows_of_one_pair_count_once(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")

    results = await asyncio.gather(*(follow(api, bob, alice) for _ in range(20)))

    assert {(result["status"], tuple(codes(result))) for result in results} == {("FOLLOWING", ())}
    assert await counts(api, "alice") == (1, 0)
    assert await counts(api, "bob") == (0, 1)
    assert (await people(api, alice, "alice"))["followers"] == ["bob"]


async def test_concurrent_requests_to_a_private_account_count_once(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")

    results = await asyncio.gather(*(follow(api, bob, alice) for _ in range(20)))

    assert {(result["status"], tuple(codes(result))) for result in results} == {("REQUESTED", ())}
    assert await names(api, REQUESTS, alice) == ["bob"]
    assert (await act(api, "approveFollowRequest", alice, bob))["errors"] == []
    assert await counts(api, "alice") == (1, 0)


async def test_concurrent_follow_and_unfollow_settle(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")

    results = await asyncio.gather(
        *((follow if i % 2 == 0 else unfollow)(api, bob, alice) for i in range(20)),
    )
    assert all(result["errors"] == [] for result in results)
    final = await follow(api, bob, alice)

    assert final["status"] == "FOLLOWING"
    assert await counts(api, "alice") == (1, 0)
    assert await counts(api, "bob") == (0, 1)
    assert (await people(api, alice, "alice"))["followers"] == ["bob"]
    assert (await seen(api, bob, "alice"))["viewerIsFollowing"] is True


async def test_concurrent_followers_of_one_account(api: Api) -> None:
    alice = await api.sign_up("alice")
    followers = list(await asyncio.gather(*(api.sign_up(f"fan{i}") for i in range(15))))

    results = await asyncio.gather(*(follow(api, follower, alice) for follower in followers))

    assert all((result["status"], result["errors"]) == ("FOLLOWING", []) for result in results)
    assert await counts(api, "alice") == (15, 0)
    listed = (await people(api, alice, "alice", first=20))["followers"]
    assert sorted(listed) == sorted(follower.username for follower in followers)
    assert len(listed) == 15
    for follower in followers:
        assert await counts(api, follower.username) == (0, 1)
