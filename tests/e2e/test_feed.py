"""The home feed as clients meet it: over HTTP, with a worker doing the fan-out."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq

from services.stores import Stores
from tests.e2e.client import Account, Api
from tests.e2e.posting import create_post, delete_post, ready_media
from tests.e2e.social import follow, unfollow

FEED = """query ($first: Int, $after: String, $order: FeedOrder) {
  feed(first: $first, after: $after, order: $order) {
    edges { cursor reason node { id caption author { username } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def feed(api: Api, viewer: Account, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(FEED, variables, token=viewer.token))["feed"]
    return found


async def captions(api: Api, viewer: Account) -> list[str]:
    return [edge["node"]["caption"] for edge in (await feed(api, viewer))["edges"]]


async def until(api: Api, viewer: Account, expected: list[str], seconds: float = 2.0) -> float:
    """How long until the viewer's feed shows ``expected`` (fails after ``seconds``)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while (found := await captions(api, viewer)) != expected:
        assert loop.time() - started < seconds, f"after {seconds}s the feed shows {found}, not {expected}"
        await asyncio.sleep(0.05)
    return loop.time() - started


async def test_a_post_reaches_followers_within_two_seconds_and_leaves_on_unfollow(
    api: Api, worker: dramatiq.Worker, stores: Stores
) -> None:
    ann, bea, cy = await api.sign_up("ann"), await api.sign_up("bea"), await api.sign_up("cy")
    await follow(api, bea, ann)
    await follow(api, cy, ann)
    for viewer in (ann, bea, cy):
        assert await captions(api, viewer) == []
    [media_id] = await ready_media(api, ann, 1)
    post = await create_post(api, ann, [media_id], "first light")
    for viewer in (bea, cy):
        await until(api, viewer, ["first light"])
    [edge] = (await feed(api, ann))["edges"]
    assert (edge["reason"], edge["node"]["id"]) == ("OWN", post["id"])
    [edge] = (await feed(api, bea))["edges"]
    assert (edge["reason"], edge["node"]["author"]["username"]) == ("FOLLOWING", "ann")

    await unfollow(api, cy, ann)
    assert await captions(api, cy) == []
    assert await captions(api, bea) == ["first light"]

    # Redis loses everything: the next request rebuilds the same feed.
    await stores.redis.flushall()
    assert await captions(api, bea) == ["first light"]
    await delete_post(api, ann, post["id"])
    assert await captions(api, bea) == []


async def test_pages_follow_their_cursors(api: Api, worker: dramatiq.Worker) -> None:
    ann, bea = await api.sign_up("ann"), await api.sign_up("bea")
    await follow(api, bea, ann)
    await captions(api, bea)
    media = await ready_media(api, ann, 5)
    for n, media_id in enumerate(media):
        await create_post(api, ann, [media_id], f"frame {n}")
    await until(api, bea, [f"frame {n}" for n in range(4, -1, -1)], seconds=5)
    seen: list[str] = []
    after = None
    while True:
        page = await feed(api, bea, first=2, after=after)
        seen += [edge["node"]["caption"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"frame {n}" for n in range(4, -1, -1)]


async def test_bad_feed_arguments_are_clear_errors(api: Api) -> None:
    bea = await api.sign_up("bea")
    for variables, code in (
        ({"first": 101}, "INVALID_INPUT"),
        ({"first": -1}, "INVALID_INPUT"),
        ({"after": "not-a-cursor"}, "INVALID_CURSOR"),
    ):
        body = await api.post(FEED, variables, token=bea.token)
        assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in body["errors"]] == [
            ("BAD_USER_INPUT", code)
        ], body
    # A RECENT cursor is not a TOP cursor.
    await captions(api, bea)
    body = await api.post(FEED, {"after": "YzE6MQ", "order": "TOP"}, token=bea.token)
    assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", "INVALID_CURSOR")
    ]
    anonymous = await api.post(FEED, {})
    assert [error["extensions"]["code"] for error in anonymous["errors"]] == ["UNAUTHENTICATED"]
