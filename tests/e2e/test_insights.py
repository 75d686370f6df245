"""Views, insights and saves as clients meet them over HTTP: the API process gathers views and
flushes them to Redis, a worker folds them into PostgreSQL, and only the author reads insights."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq
from sqlalchemy import select
from strawberry import relay

from db.views import PostViews
from services import views
from services.stores import Stores
from tests.e2e.client import Account, Api
from tests.e2e.posting import create_post, ready_media, user_action

RECORD = "mutation($ids: [ID!]!) { recordViews(postIds: $ids) { errors { code field } } }"
INSIGHTS = """query($id: ID!) { post(id: $id) {
  viewCount insights { views reach likes comments saves days { date views } } } }"""
SAVE = "mutation($id: ID!) { savePost(postId: $id) { post { viewerHasSaved } errors { code field } } }"
SAVED = "{ savedPosts(first: 10) { edges { node { id caption viewerHasSaved } } } }"
ACCEPTANCE_SECONDS = 5.0


async def record(api: Api, viewer: Account, *post_ids: str) -> None:
    payload = (await api.data(RECORD, {"ids": list(post_ids)}, token=viewer.token))["recordViews"]
    assert payload == {"errors": []}, payload


async def post_insights(api: Api, viewer: Account | None, post_id: str) -> dict[str, Any]:
    data = await api.data(INSIGHTS, {"id": post_id}, token=viewer.token if viewer else None)
    post: dict[str, Any] = data["post"]
    return post


async def folded_views(stores: Stores, post_id: str) -> int:
    number = int(relay.GlobalID.from_id(post_id).node_id)
    async with stores.sessions() as session:
        return int(await session.scalar(select(PostViews.views).where(PostViews.post_id == number)) or 0)


async def test_three_viewers_make_four_views_and_a_reach_of_three_for_the_author_alone(
    api: Api, stores: Stores, worker: dramatiq.Worker
) -> None:
    author = await api.sign_up("author")
    [media_id] = await ready_media(api, author, 1)
    post = await create_post(api, author, [media_id], "golden hour")
    ana, bo, cy = [await api.sign_up(name) for name in ("ana", "bo", "cy")]

    for viewer in (ana, bo, cy, ana):  # ana twice
        await record(api, viewer, post["id"])
    await record(api, author, post["id"])  # an author's own views do not count
    recorded = asyncio.get_running_loop().time()

    while True:
        found = (await post_insights(api, author, post["id"]))["insights"]
        if (found["views"], found["reach"]) == (4, 3):
            break
        assert asyncio.get_running_loop().time() - recorded < ACCEPTANCE_SECONDS, found
        await asyncio.sleep(0.1)
    assert found["days"][-1] == {"date": views.today().isoformat(), "views": 4}

    # The worker folds them into PostgreSQL, and nothing changes for the reader.
    while await folded_views(stores, post["id"]) != 4:
        assert asyncio.get_running_loop().time() - recorded < ACCEPTANCE_SECONDS
        await asyncio.sleep(0.1)
    assert await stores.redis.xlen(views.STREAM) == 0
    assert (await post_insights(api, author, post["id"]))["insights"] == found

    for other in (ana, bo, cy, None):
        assert await post_insights(api, other, post["id"]) == {"viewCount": 4, "insights": None}
    anonymous = await api.post(RECORD, {"ids": [post["id"]]})
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_saved_post_leaves_the_list_when_its_author_blocks_the_saver(api: Api, worker: dramatiq.Worker) -> None:
    author, fan = await api.sign_up("author"), await api.sign_up("fan")
    [media_id] = await ready_media(api, author, 1)
    post = await create_post(api, author, [media_id], "keep this")
    saved = (await api.data(SAVE, {"id": post["id"]}, token=fan.token))["savePost"]
    assert saved == {"post": {"viewerHasSaved": True}, "errors": []}
    listed = (await api.data(SAVED, token=fan.token))["savedPosts"]["edges"]
    assert listed == [{"node": {"id": post["id"], "caption": "keep this", "viewerHasSaved": True}}]
    assert (await post_insights(api, author, post["id"]))["insights"]["saves"] == 1

    await user_action(api, "block", author, fan)
    assert (await api.data(SAVED, token=fan.token))["savedPosts"]["edges"] == []
    again = (await api.data(SAVE, {"id": post["id"]}, token=fan.token))["savePost"]
    assert again == {"post": None, "errors": [{"code": "NOT_FOUND", "field": "postId"}]}
