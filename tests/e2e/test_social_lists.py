"""Follower and following lists, their paging and privacy, and counts under concurrency."""

from __future__ import annotations

import asyncio
import base64

import pytest

from tests.e2e.client import Api
from tests.e2e.social import (
    FOLLOWERS_PAGE,
    REQUESTS,
    act,
    codes,
    counts,
    follow,
    names,
    people,
    seen,
    unfollow,
)


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

    assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", "INVALID_INPUT")
    ]
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

    assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", "INVALID_CURSOR")
    ]
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
