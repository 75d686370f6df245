"""Views and insights against the real servers: views counted once however flushes and folds
are repeated, reach through HyperLogLog, who counts, and insights for authors alone."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import delete, select
from strawberry import relay

from bench.roundtrips import RoundTrips, count_round_trips
from db.content import Audience, Post
from db.views import PostViewDay, PostViews
from schema import build_schema
from schema.context import in_process_context
from services import engagement, posts, profiles, saves, social, view_fold, views
from services.stores import Stores
from services.view_buffer import ViewBuffer
from services.views import ViewBatch
from tests.integration import feedkit

INSIGHTS = """query($id: ID!) { post(id: $id) {
  viewCount
  insights { views reach likes comments saves days { date views likes comments saves } }
} }"""
RECORD = "mutation($ids: [ID!]!) { recordViews(postIds: $ids) { errors { code field } } }"


def gid(post_id: int) -> str:
    return str(relay.GlobalID("Post", str(post_id)))


async def execute(stores: Stores, viewer: int | None, query: str, **variables: Any) -> Any:
    context = in_process_context(stores, None, "test") if viewer is None else feedkit.request_context(stores, viewer)
    return await build_schema(stores.settings).execute(query, variable_values=variables, context_value=context)


async def insights(stores: Stores, viewer: int, post_id: int) -> dict[str, Any]:
    result = await execute(stores, viewer, INSIGHTS, id=gid(post_id))
    assert result.errors is None, result.errors
    post: dict[str, Any] = result.data["post"]
    return post


async def folded(stores: Stores, post_id: int) -> tuple[int, dict[dt.date, int]]:
    """(total, per day) as PostgreSQL holds them."""
    async with stores.sessions() as session:
        total = await session.scalar(select(PostViews.views).where(PostViews.post_id == post_id))
        days = await session.execute(select(PostViewDay.day, PostViewDay.views).where(PostViewDay.post_id == post_id))
        return int(total or 0), {day: int(n) for day, n in days}


async def waiting(stores: Stores) -> int:
    """Stream entries not folded yet."""
    return int(await stores.redis.xlen(views.STREAM))


async def author_and_viewers(stores: Stores) -> tuple[int, list[int], int]:
    author, *viewers = await feedkit.users(stores, "ansel", "ana", "bo", "cy")
    return author, viewers, await feedkit.post(stores, author, "a post")


async def test_three_viewers_one_twice_make_four_views_and_a_reach_of_three(stores: Stores) -> None:
    author, (ana, bo, cy), post_id = await author_and_viewers(stores)
    for viewer in (ana, bo, cy, ana):
        await views.record_views(stores, viewer, [post_id], None)

    before = await insights(stores, author, post_id)  # flushed, not folded yet
    assert before["viewCount"] == 4
    assert (before["insights"]["views"], before["insights"]["reach"]) == (4, 3)
    assert before["insights"]["days"][-1] == {
        "date": views.today().isoformat(),
        "views": 4,
        "likes": 0,
        "comments": 0,
        "saves": 0,
    }

    assert await view_fold.fold_once(stores) == 4
    assert await folded(stores, post_id) == (4, {views.today(): 4})
    assert await waiting(stores) == 0
    assert await stores.redis.exists(views.pending_key(post_id)) == 0
    assert await insights(stores, author, post_id) == before


async def test_a_batch_flushed_twice_counts_once(stores: Stores) -> None:
    author, (ana, bo, _), post_id = await author_and_viewers(stores)
    batch = ViewBatch()
    batch.add(ana, [post_id], views.today())
    batch.add(bo, [post_id], views.today())
    await views.flush_batch(stores.redis, batch)
    await views.flush_batch(stores.redis, batch)  # a retry whose first attempt had landed
    assert await waiting(stores) == 2
    assert (await insights(stores, author, post_id))["viewCount"] == 2

    await view_fold.fold_once(stores)
    assert await folded(stores, post_id) == (2, {views.today(): 2})
    assert (await insights(stores, author, post_id))["insights"]["views"] == 2

    await views.flush_batch(stores.redis, batch)  # even long after the fold
    await view_fold.fold_once(stores)
    assert await folded(stores, post_id) == (2, {views.today(): 2})
    assert await waiting(stores) == 0


async def test_a_fold_repeated_after_a_failure_counts_once(stores: Stores, monkeypatch: pytest.MonkeyPatch) -> None:
    author, viewers, post_id = await author_and_viewers(stores)
    for viewer in viewers:
        await views.record_views(stores, viewer, [post_id], None)

    real_finish = views.finish_batches

    async def lost(*args: Any) -> None:
        raise RedisConnectionError("connection lost after the commit")

    monkeypatch.setattr(views, "finish_batches", lost)
    with pytest.raises(RedisConnectionError):
        await view_fold.fold_once(stores)
    assert await folded(stores, post_id) == (3, {views.today(): 3})  # committed
    assert await waiting(stores) == 3  # and still in Redis

    monkeypatch.setattr(views, "finish_batches", real_finish)
    await view_fold.fold_once(stores)
    await view_fold.fold_once(stores)
    assert await folded(stores, post_id) == (3, {views.today(): 3})
    assert await waiting(stores) == 0
    assert (await insights(stores, author, post_id))["insights"]["views"] == 3


async def test_folds_running_at_once_count_once(stores: Stores) -> None:
    author, viewers, post_id = await author_and_viewers(stores)
    for _ in range(5):
        for viewer in viewers:
            await views.record_views(stores, viewer, [post_id], None)
    await asyncio.gather(*(view_fold.fold_once(stores) for _ in range(3)))
    await view_fold.fold_once(stores)
    assert await folded(stores, post_id) == (15, {views.today(): 15})
    found = (await insights(stores, author, post_id))["insights"]
    assert (found["views"], found["reach"]) == (15, 3)


async def test_the_buffer_resends_a_batch_that_may_have_landed(stores: Stores, monkeypatch: pytest.MonkeyPatch) -> None:
    author, (ana, bo, _), post_id = await author_and_viewers(stores)
    buffer = ViewBuffer(stores.redis, stores.settings)
    await views.record_views(stores, ana, [post_id], buffer)
    await views.record_views(stores, bo, [post_id, post_id], buffer)  # listed twice: one view
    assert await waiting(stores) == 0  # gathered in the process only

    real_flush = views.flush_batch
    sent: list[str] = []

    async def landed_then_lost(redis: Any, batch: ViewBatch) -> None:
        sent.append(batch.id)
        await real_flush(redis, batch)
        if len(sent) == 1:
            raise RedisConnectionError("reply lost")

    monkeypatch.setattr(views, "flush_batch", landed_then_lost)
    assert await buffer.flush() is False
    assert buffer.unsent == 1
    await views.record_views(stores, ana, [post_id], buffer)  # gathered meanwhile
    assert await buffer.flush() is True
    assert buffer.unsent == 0
    assert sent[0] == sent[1] != sent[2]  # the same batch again, then the new one

    await view_fold.fold_once(stores)
    assert await folded(stores, post_id) == (3, {views.today(): 3})
    found = (await insights(stores, author, post_id))["insights"]
    assert (found["views"], found["reach"]) == (3, 2)


async def test_the_buffer_flushes_on_its_interval_and_when_stopped(stores: Stores) -> None:
    author, (ana, _, _), post_id = await author_and_viewers(stores)
    settings = stores.settings.model_copy(update={"view_flush_seconds": 0.05})
    buffer = ViewBuffer(stores.redis, settings)
    await buffer.start()
    await views.record_views(stores, ana, [post_id], buffer)
    for _ in range(100):
        if await waiting(stores):
            break
        await asyncio.sleep(0.02)
    assert await waiting(stores) == 1
    await views.record_views(stores, ana, [post_id], buffer)
    await buffer.stop()
    assert await waiting(stores) == 2
    assert (await insights(stores, author, post_id))["viewCount"] == 2


async def test_only_views_of_visible_posts_by_others_count(stores: Stores) -> None:
    author, viewer, private, blocker = await feedkit.users(stores, "ansel", "viewer", "private", "blocker")
    await profiles.update_profile(stores, private, profiles.ProfileChanges(is_private=True))
    public_post = await feedkit.post(stores, author)
    followers_only = await feedkit.post(stores, author, audience=Audience.FOLLOWERS)
    private_post = await feedkit.post(stores, private)
    blocked_post = await feedkit.post(stores, blocker)
    deleted_post = await feedkit.post(stores, author)
    await social.block(stores, blocker, viewer)
    await posts.delete_post(stores, author, deleted_post)

    everything = [public_post, followers_only, private_post, blocked_post, deleted_post, 2**40]
    await views.record_views(stores, viewer, everything, None)
    await views.record_views(stores, author, [public_post], None)  # the author's own view
    await view_fold.fold_once(stores)
    assert {pid: (await folded(stores, pid))[0] for pid in everything[:-1]} == {
        public_post: 1,
        followers_only: 0,
        private_post: 0,
        blocked_post: 0,
        deleted_post: 0,
    }
    assert (await insights(stores, author, public_post))["insights"]["reach"] == 1


async def test_record_views_needs_a_viewer_and_caps_the_batch(stores: Stores) -> None:
    author, viewer = await feedkit.users(stores, "ansel", "viewer")
    post_id = await feedkit.post(stores, author)

    anonymous = await execute(stores, None, RECORD, ids=[gid(post_id)])
    assert anonymous.errors and anonymous.errors[0].extensions["code"] == "UNAUTHENTICATED"

    limit = stores.settings.record_views_max_posts
    too_many = await execute(stores, viewer, RECORD, ids=[gid(post_id)] * (limit + 1))
    assert too_many.data["recordViews"]["errors"] == [{"code": "INVALID_INPUT", "field": "postIds"}]
    bad_id = await execute(stores, viewer, RECORD, ids=["nonsense"])
    assert bad_id.data["recordViews"]["errors"] == [{"code": "INVALID_ID", "field": "postIds"}]
    assert await waiting(stores) == 0

    at_the_cap = await execute(stores, viewer, RECORD, ids=[gid(post_id)] * limit)
    assert at_the_cap.data["recordViews"]["errors"] == []
    assert (await insights(stores, author, post_id))["viewCount"] == 1


async def test_insights_are_the_authors_alone_and_cover_thirty_days(stores: Stores) -> None:
    author, fan, other = await feedkit.users(stores, "ansel", "fan", "other")
    post_id = await feedkit.post(stores, author)
    await engagement.like_post(stores, fan, post_id)
    await engagement.add_comment(stores, fan, post_id, "lovely")
    await engagement.add_comment(stores, other, post_id, "nice")
    await saves.save_post(stores, fan, post_id)
    await saves.save_post(stores, author, post_id)
    await views.record_views(stores, fan, [post_id], None)

    mine = await insights(stores, author, post_id)
    found = mine["insights"]
    assert {key: found[key] for key in ("views", "reach", "likes", "comments", "saves")} == {
        "views": 1,
        "reach": 1,
        "likes": 1,
        "comments": 2,
        "saves": 2,
    }
    days = found["days"]
    assert len(days) == stores.settings.insights_days == 30
    assert days[0]["date"] == (views.today() - dt.timedelta(days=29)).isoformat()
    assert days[-1] == {"date": views.today().isoformat(), "views": 1, "likes": 1, "comments": 2, "saves": 2}
    assert all(day["views"] == day["likes"] == day["comments"] == day["saves"] == 0 for day in days[:-1])

    for viewer in (fan, other, None):
        result = await execute(stores, viewer, INSIGHTS, id=gid(post_id))
        assert result.errors is None
        assert result.data["post"] == {"viewCount": 1, "insights": None}


async def test_reach_outlives_a_redis_loss(stores: Stores) -> None:
    author, viewers, post_id = await author_and_viewers(stores)
    for viewer in viewers:
        await views.record_views(stores, viewer, [post_id], None)
    await view_fold.fold_once(stores)
    await stores.redis.flushdb()
    found = (await insights(stores, author, post_id))["insights"]
    assert (found["views"], found["reach"]) == (3, 3)

    await views.record_views(stores, viewers[0], [post_id], None)  # seen before the loss: no new reach
    await view_fold.fold_once(stores)
    found = (await insights(stores, author, post_id))["insights"]
    assert (found["views"], found["reach"]) == (4, 3)


async def test_views_of_a_post_removed_before_the_fold_are_dropped(stores: Stores) -> None:
    author, (ana, _, _), post_id = await author_and_viewers(stores)
    kept = await feedkit.post(stores, author, "kept")
    await views.record_views(stores, ana, [post_id, kept], None)
    async with stores.sessions.begin() as session:
        await session.execute(delete(Post).where(Post.id == post_id))
    await view_fold.fold_once(stores)
    assert await waiting(stores) == 0
    assert await folded(stores, kept) == (1, {views.today(): 1})


PAGE = """query($username: String!, $first: Int!) { user(username: $username) { posts(first: $first) {
  edges { node { viewCount viewerHasSaved insights { views reach saves days { views likes } } } } } } }"""


async def test_a_page_of_view_counts_and_insights_costs_the_same_for_2_as_for_8(stores: Stores) -> None:
    author, fan = await feedkit.users(stores, "ansel", "fan")
    post_ids = [await feedkit.post(stores, author, f"post {n}") for n in range(8)]
    await views.record_views(stores, fan, post_ids, None)
    await view_fold.fold_once(stores)
    await views.record_views(stores, fan, post_ids[::2], None)  # some still in Redis
    await saves.save_post(stores, author, post_ids[-1])

    counts: dict[int, RoundTrips] = {}
    for size in (2, 8):
        with count_round_trips(stores) as counts[size]:
            result = await execute(stores, author, PAGE, username="ansel", first=size)
        assert result.errors is None, result.errors
        nodes = [edge["node"] for edge in result.data["user"]["posts"]["edges"]]
        newest_first = post_ids[::-1][:size]
        assert [node["viewCount"] for node in nodes] == [
            2 if post_ids.index(pid) % 2 == 0 else 1 for pid in newest_first
        ]
        assert [node["insights"]["views"] for node in nodes] == [node["viewCount"] for node in nodes]
        assert [node["viewerHasSaved"] for node in nodes] == [pid == post_ids[-1] for pid in newest_first]
    assert counts[2].totals() == counts[8].totals(), counts[8].report()
