"""Reading profiles by username and global id, and editing one's own."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.e2e.client import Account, Api

PROFILE = "id username fullName bio isPrivate createdAt email followerCount followingCount"
USER = f"query($username: String!) {{ user(username: $username) {{ {PROFILE} }} }}"
NODE = "query($id: ID!) { node(id: $id) { __typename id ... on User { username } } }"
UPDATE = f"""mutation($input: UpdateProfileInput!) {{
    updateProfile(input: $input) {{ user {{ {PROFILE} }} errors {{ code field message }} }}
}}"""


def global_id(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


async def user(api: Api, username: str, viewer: Account | None = None) -> dict[str, Any] | None:
    data = await api.data(USER, {"username": username}, token=viewer.token if viewer else None)
    found: dict[str, Any] | None = data["user"]
    return found


async def update(api: Api, account: Account, **changes: Any) -> dict[str, Any]:
    data = await api.data(UPDATE, {"input": changes}, token=account.token)
    payload: dict[str, Any] = data["updateProfile"]
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(error["code"], error["field"]) for error in payload["errors"]]


# --- user(username) -----------------------------------------------------------------------


async def test_user_by_username_returns_the_profile(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")

    profile = await user(api, "alice", bob)

    assert profile is not None
    assert profile["id"] == alice.id
    assert profile["createdAt"]
    assert {key: value for key, value in profile.items() if key not in ("id", "createdAt")} == {
        "username": "alice",
        "fullName": "",
        "bio": "",
        "isPrivate": False,
        "email": None,
        "followerCount": 0,
        "followingCount": 0,
    }


async def test_user_by_username_anonymously(api: Api) -> None:
    alice = await api.sign_up("alice")

    profile = await user(api, "alice")

    assert profile is not None
    assert profile["id"] == alice.id
    assert profile["email"] is None


async def test_own_profile_shows_the_email(api: Api) -> None:
    alice = await api.sign_up("alice")

    profile = await user(api, "alice", alice)

    assert profile is not None
    assert profile["email"] == "alice@example.com"


async def test_unknown_username_is_null(api: Api) -> None:
    alice = await api.sign_up("alice")

    assert await user(api, "nobody", alice) is None
    assert await user(api, "nobody") is None
    assert await user(api, "") is None


@pytest.mark.parametrize("username", ["ALICE", "Alice", " alice "])
async def test_user_lookup_ignores_case(api: Api, username: str) -> None:
    alice = await api.sign_up("alice")

    profile = await user(api, username)

    assert profile is not None
    assert (profile["id"], profile["username"]) == (alice.id, "alice")


# --- updateProfile ------------------------------------------------------------------------


async def test_update_profile_changes_the_fields(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")

    payload = await update(api, alice, fullName="Alice Liddell", bio="Down the rabbit hole.", isPrivate=True)

    assert payload["errors"] == []
    changed = {"fullName": "Alice Liddell", "bio": "Down the rabbit hole.", "isPrivate": True}
    assert {key: payload["user"][key] for key in changed} == changed
    # Others see the change too.
    seen = await user(api, "alice", bob)
    assert seen is not None
    assert {key: seen[key] for key in changed} == changed


async def test_update_profile_leaves_unnamed_fields_alone(api: Api) -> None:
    alice = await api.sign_up("alice")
    await update(api, alice, fullName="Alice", bio="Hello", isPrivate=True)

    payload = await update(api, alice, bio="Changed")

    assert payload["errors"] == []
    assert (payload["user"]["fullName"], payload["user"]["bio"], payload["user"]["isPrivate"]) == (
        "Alice",
        "Changed",
        True,
    )
    payload = await update(api, alice, isPrivate=False)
    assert (payload["user"]["fullName"], payload["user"]["bio"], payload["user"]["isPrivate"]) == (
        "Alice",
        "Changed",
        False,
    )


async def test_update_profile_trims_and_clears_text(api: Api) -> None:
    alice = await api.sign_up("alice")
    await update(api, alice, fullName="Alice", bio="Hello")

    payload = await update(api, alice, fullName="  Alice L.  ", bio="")

    assert payload["errors"] == []
    assert (payload["user"]["fullName"], payload["user"]["bio"]) == ("Alice L.", "")


async def test_update_profile_accepts_text_at_the_limits(api: Api) -> None:
    alice = await api.sign_up("alice")

    payload = await update(api, alice, fullName="f" * 64, bio="b" * 150)

    assert payload["errors"] == []
    assert (payload["user"]["fullName"], payload["user"]["bio"]) == ("f" * 64, "b" * 150)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"bio": "b" * 151}, [("TOO_LONG", "bio")]),
        ({"fullName": "f" * 65}, [("TOO_LONG", "fullName")]),
        ({"fullName": "f" * 65, "bio": "b" * 151}, [("TOO_LONG", "fullName"), ("TOO_LONG", "bio")]),
        ({"fullName": "New name", "bio": "b" * 151, "isPrivate": True}, [("TOO_LONG", "bio")]),
        ({"fullName": "f" * 65, "bio": "New bio", "isPrivate": True}, [("TOO_LONG", "fullName")]),
        ({"bio": "bell\x07"}, [("INVALID_INPUT", "bio")]),
    ],
    ids=["bio", "full-name", "both", "bio-with-valid-changes", "full-name-with-valid-changes", "control-character"],
)
async def test_update_profile_errors_change_nothing(
    api: Api, changes: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    alice = await api.sign_up("alice")
    await update(api, alice, fullName="Alice", bio="Hello")

    payload = await update(api, alice, **changes)

    assert sorted(codes(payload)) == sorted(expected)
    assert all(error["message"] for error in payload["errors"])
    assert payload["user"] is None
    profile = await user(api, "alice", alice)
    assert profile is not None
    assert (profile["fullName"], profile["bio"], profile["isPrivate"]) == ("Alice", "Hello", False)


# --- node(id) -----------------------------------------------------------------------------


async def test_node_returns_the_user(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")

    for token in (None, bob.token, alice.token):
        data = await api.data(NODE, {"id": alice.id}, token=token)
        assert data["node"] == {"__typename": "User", "id": alice.id, "username": "alice"}


async def test_user_id_round_trips_through_node(api: Api) -> None:
    alice = await api.sign_up("alice")
    profile = await user(api, "alice")
    assert profile is not None

    data = await api.data(NODE, {"id": profile["id"]})

    assert data["node"]["username"] == "alice"
    assert profile["id"] == alice.id


@pytest.mark.parametrize(
    "bad_id",
    ["not-an-id", "", global_id("User:abc"), global_id("User:"), global_id("User:-1"), global_id("User:0"), "User:1"],
)
async def test_node_with_a_malformed_id_is_invalid_id(api: Api, bad_id: str) -> None:
    alice = await api.sign_up("alice")

    body = await api.post(NODE, {"id": bad_id}, token=alice.token)

    assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", "INVALID_ID")
    ]
    assert body["errors"][0]["path"] == ["node"]
    assert body["data"] == {"node": None}


@pytest.mark.parametrize("other_id", [global_id("Post:1"), global_id("Widget:42"), global_id("User:123456789")])
async def test_node_of_an_unknown_object_is_null(api: Api, other_id: str) -> None:
    alice = await api.sign_up("alice")

    data = await api.data(NODE, {"id": other_id}, token=alice.token)

    assert data == {"node": None}


# --- going public -------------------------------------------------------------------------

FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status errors { code field } } }"
RELATION = """query($username: String!) { user(username: $username) {
    followerCount followingCount viewerIsFollowing viewerHasRequested } }"""
REQUESTS = "{ followRequests { edges { node { username } } } }"


async def relation(api: Api, viewer: Account, username: str) -> dict[str, Any]:
    data = await api.data(RELATION, {"username": username}, token=viewer.token)
    found: dict[str, Any] = data["user"]
    return found


async def test_going_public_approves_pending_requests(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    requesters = [await api.sign_up(name) for name in ("bob", "carol")]
    for requester in requesters:
        data = await api.data(FOLLOW, {"id": alice.id}, token=requester.token)
        assert data["follow"] == {"status": "REQUESTED", "errors": []}
    assert (await relation(api, requesters[0], "alice"))["followerCount"] == 0

    payload = await update(api, alice, isPrivate=False)

    assert payload["errors"] == []
    assert payload["user"]["isPrivate"] is False
    assert payload["user"]["followerCount"] == 2
    for requester in requesters:
        assert await relation(api, requester, "alice") == {
            "followerCount": 2,
            "followingCount": 0,
            "viewerIsFollowing": True,
            "viewerHasRequested": False,
        }
        assert (await relation(api, requester, requester.username))["followingCount"] == 1
    assert (await api.data(REQUESTS, token=alice.token))["followRequests"]["edges"] == []


async def test_going_private_keeps_existing_followers(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    assert (await api.data(FOLLOW, {"id": alice.id}, token=bob.token))["follow"]["status"] == "FOLLOWING"

    payload = await update(api, alice, isPrivate=True)

    assert payload["user"]["isPrivate"] is True
    assert (await relation(api, bob, "alice"))["viewerIsFollowing"] is True
    assert (await relation(api, bob, "alice"))["followerCount"] == 1


async def test_a_failed_update_does_not_approve_requests(api: Api) -> None:
    alice = await api.sign_up("alice", private=True)
    bob = await api.sign_up("bob")
    await api.data(FOLLOW, {"id": alice.id}, token=bob.token)

    payload = await update(api, alice, isPrivate=False, bio="b" * 151)

    assert codes(payload) == [("TOO_LONG", "bio")]
    assert await relation(api, bob, "alice") == {
        "followerCount": 0,
        "followingCount": 0,
        "viewerIsFollowing": False,
        "viewerHasRequested": True,
    }
    requests = (await api.data(REQUESTS, token=alice.token))["followRequests"]["edges"]
    assert requests == [{"node": {"username": "bob"}}]
