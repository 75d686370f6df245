"""Search and discovery as clients meet them over HTTP: a post found by its words and its
hashtag until its author turns private, people and suggestions, and bad input."""

from __future__ import annotations

from typing import Any

import dramatiq
import pytest

from tests.e2e.client import Account, Api
from tests.e2e.posting import create_post, ready_media
from tests.e2e.social import act, follow

DISCOVER = """query ($query: String!, $tag: String!) {
  searchPosts(query: $query, first: 10) { edges { node { id caption author { username } } } }
  hashtag(name: $tag) { name postCount posts(first: 10) { edges { node { id } } } }
  trendingHashtags(first: 10) { recentPostCount hashtag { name postCount } }
}"""
SEARCH_POSTS = """query ($query: String!, $first: Int, $after: String) {
  searchPosts(query: $query, first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
PEOPLE = """query ($query: String!, $first: Int, $after: String) {
  searchUsers(query: $query, first: $first, after: $after) {
    edges { node { username } } pageInfo { hasNextPage endCursor } } }"""
BOTH = "query ($q: String!) { searchPosts(query: $q) { edges { cursor } } searchUsers(query: $q) { edges { cursor } } }"
SUGGESTED = "{ suggestedUsers(first: 5) { mutualFollowCount user { username } } }"


async def discover(api: Api, viewer: Account | None, query: str = "sunset", tag: str = "lisbon") -> dict[str, Any]:
    """What ``viewer`` finds of the tag and the words, on every discovery path."""
    data = await api.data(DISCOVER, {"query": query, "tag": tag}, token=viewer.token if viewer else None)
    trending = {
        t["hashtag"]["name"]: (t["recentPostCount"], t["hashtag"]["postCount"]) for t in data["trendingHashtags"]
    }
    return {
        "searched": [edge["node"]["id"] for edge in data["searchPosts"]["edges"]],
        "tagged": [edge["node"]["id"] for edge in data["hashtag"]["posts"]["edges"]],
        "count": data["hashtag"]["postCount"],
        "trending": trending.get(data["hashtag"]["name"]),
    }


def found(post_id: str) -> dict[str, Any]:
    return {"searched": [post_id], "tagged": [post_id], "count": 1, "trending": (1, 1)}


NOTHING: dict[str, Any] = {"searched": [], "tagged": [], "count": 0, "trending": None}


async def test_a_post_is_found_until_its_author_turns_private(api: Api, worker: dramatiq.Worker) -> None:
    ann, fan, stranger = await api.sign_up("ann"), await api.sign_up("fan"), await api.sign_up("stranger")
    await follow(api, fan, ann)
    [media_id] = await ready_media(api, ann, 1)
    post = await create_post(api, ann, [media_id], "Sunset over #Lisbon")
    assert post["hashtags"] == ["lisbon"]
    for viewer in (None, stranger, fan, ann):
        assert await discover(api, viewer) == found(post["id"])
    assert await discover(api, stranger, query="LISBON", tag="#LISBON") == found(post["id"])
    data = await api.data(DISCOVER, {"query": "sunset", "tag": "lisbon"})
    assert data["searchPosts"]["edges"][0]["node"]["author"]["username"] == "ann"
    assert data["hashtag"]["name"] == "lisbon"

    turned = await api.data(
        "mutation { updateProfile(input: {isPrivate: true}) { user { isPrivate } errors { code } } }", token=ann.token
    )
    assert turned["updateProfile"] == {"user": {"isPrivate": True}, "errors": []}
    for viewer in (None, stranger):
        assert await discover(api, viewer) == NOTHING
    assert await discover(api, fan) == found(post["id"])
    assert await discover(api, ann) == found(post["id"])
    # The account itself can still be found; its posts cannot.
    assert await people(api, stranger, "an") == ["ann"]


async def people(api: Api, viewer: Account | None, query: str, **variables: Any) -> list[str]:
    data = await api.data(PEOPLE, {"query": query, **variables}, token=viewer.token if viewer else None)
    return [edge["node"]["username"] for edge in data["searchUsers"]["edges"]]


async def test_people_search_suggestions_and_blocks(api: Api) -> None:
    viewer, friend = await api.sign_up("viewer"), await api.sign_up("friend")
    sam, sara, blocker = await api.sign_up("sam"), await api.sign_up("sara"), await api.sign_up("sabot")
    for followee in (sam, sara, blocker):
        await follow(api, friend, followee)
    await follow(api, viewer, friend)
    await act(api, "block", blocker, viewer)

    assert await people(api, viewer, "sa") == ["sam", "sara"]
    assert await people(api, None, "sa") == ["sabot", "sam", "sara"]
    first = await api.data(PEOPLE, {"query": "sa", "first": 1}, token=viewer.token)
    page = first["searchUsers"]["pageInfo"]
    assert page["hasNextPage"] is True
    assert await people(api, viewer, "sa", first=5, after=page["endCursor"]) == ["sara"]

    data = await api.data(SUGGESTED, token=viewer.token)
    assert data["suggestedUsers"] == [
        {"mutualFollowCount": 1, "user": {"username": "sam"}},
        {"mutualFollowCount": 1, "user": {"username": "sara"}},
    ]
    await follow(api, viewer, sam)
    await act(api, "block", viewer, sara)
    assert (await api.data(SUGGESTED, token=viewer.token))["suggestedUsers"] == []
    assert await people(api, viewer, "sa") == ["sam"]


async def test_search_pages_follow_their_cursors(api: Api, worker: dramatiq.Worker) -> None:
    ann = await api.sign_up("ann")
    media = await ready_media(api, ann, 3)
    made = [(await create_post(api, ann, [m], "sunset " * (n + 1)))["id"] for n, m in enumerate(media)]
    seen: list[str] = []
    after = None
    while True:
        data = (await api.data(SEARCH_POSTS, {"query": "sunset", "first": 1, "after": after}))["searchPosts"]
        seen += [edge["node"]["id"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == made[::-1]  # more matches rank higher


def codes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(code, field) of each error; for bad arguments, the reason beside BAD_USER_INPUT."""
    found = []
    for error in body["errors"]:
        extensions = error["extensions"]
        if "reason" in extensions:
            assert extensions["code"] == "BAD_USER_INPUT", error
        found.append((extensions.get("reason", extensions["code"]), extensions.get("field")))
    return found


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        (SEARCH_POSTS, {"query": "x" * 201}, ("INVALID_INPUT", "query")),
        (SEARCH_POSTS, {"query": "sunset", "first": 101}, ("INVALID_INPUT", "first")),
        (SEARCH_POSTS, {"query": "sunset", "after": "not-a-cursor"}, ("INVALID_CURSOR", "after")),
        (PEOPLE, {"query": "x" * 201}, ("INVALID_INPUT", "query")),
        (PEOPLE, {"query": "ann", "after": "YzE6MQ"}, ("INVALID_CURSOR", "after")),  # another list's cursor
        ('{ hashtag(name: "two words") { name } }', {}, ("INVALID_INPUT", "name")),
        ('{ hashtag(name: "x") { posts(after: "junk") { edges { cursor } } } }', {}, ("INVALID_CURSOR", "after")),
        ("{ trendingHashtags(first: 101) { recentPostCount } }", {}, ("INVALID_INPUT", "first")),
        (SUGGESTED, {}, ("UNAUTHENTICATED", None)),
    ],
)
async def test_bad_input_gets_a_clear_code(
    api: Api, query: str, variables: dict[str, Any], expected: tuple[str, str | None]
) -> None:
    body = await api.post(query, variables)
    assert codes(body) == [expected]


@pytest.mark.parametrize("text", ["", "   ", "!!! ---", "\u0000", "a\u0000b", "100%", "_", "'); drop table posts; --"])
async def test_odd_queries_find_nothing_without_failing(api: Api, text: str) -> None:
    data = await api.data(BOTH, {"q": text})
    assert data == {"searchPosts": {"edges": []}, "searchUsers": {"edges": []}}
