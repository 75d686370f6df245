"""The home feed against real stores: fan-out, pull, merge, privacy, removal, rebuild."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import dramatiq
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from db.content import Audience
from db.outbox import OutboxEvent
from jobs import names
from services import engagement, fanout, feed_sources, outbox, posts, social
from services.feed import FeedOrder, FeedReason
from services.stores import Stores
from services.timelines import Entry, Timelines
from tests.integration.feedkit import all_ids, follow, ids, page, post, users


async def test_fan_out_reaches_followers_and_the_author(stores: Stores) -> None:
    author, bea, cy, stranger = await users(stores, "ann", "bea", "cy", "stu")
    await follow(stores, bea, author)
    await follow(stores, cy, author)
    # Timelines exist once read: fan-out writes only into live ones.
    for viewer in (author, bea, cy, stranger):
        assert await ids(stores, viewer) == []
    post_id = await post(stores, author, "hello")
    assert await fanout.fan_out_post(stores, post_id) == 3
    tl = feed_sources.timelines(stores)
    assert await tl.holders([author, bea, cy, stranger], post_id) == {author, bea, cy}
    for viewer, reason in ((author, FeedReason.OWN), (bea, FeedReason.FOLLOWING), (cy, FeedReason.FOLLOWING)):
        [item] = (await page(stores, viewer)).items
        assert (item.post.id, item.reason) == (post_id, reason)
    assert await ids(stores, stranger) == []


async def test_unfollow_hides_posts_on_the_next_request(stores: Stores) -> None:
    author, cy = await users(stores, "ann", "cy")
    await follow(stores, cy, author)
    await ids(stores, cy)
    post_id = await post(stores, author)
    await fanout.fan_out_post(stores, post_id)
    assert await ids(stores, cy) == [post_id]
    await social.unfollow(stores, cy, author)
    assert await ids(stores, cy) == []  # before the prune job has run
    await fanout.prune_unfollow(stores, cy, author)
    assert await feed_sources.timelines(stores).entries(cy) == []


async def test_audience_is_respected_at_fan_out(stores: Stores) -> None:
    author, friend, fan = await users(stores, "ann", "fred", "fay")
    await follow(stores, friend, author)
    await follow(stores, fan, author)
    await social.add_close_friend(stores, author, friend)
    for viewer in (author, friend, fan):
        await ids(stores, viewer)
    close = await post(stores, author, "inner circle", Audience.CLOSE_FRIENDS)
    followers_only = await post(stores, author, "followers", Audience.FOLLOWERS)
    for post_id in (close, followers_only):
        await fanout.fan_out_post(stores, post_id)
    tl = feed_sources.timelines(stores)
    assert await tl.holders([author, friend, fan], close) == {author, friend}
    assert await ids(stores, friend) == [followers_only, close]
    assert [item.reason for item in (await page(stores, friend)).items] == [
        FeedReason.FOLLOWING,
        FeedReason.CLOSE_FRIENDS,
    ]
    assert await ids(stores, fan) == [followers_only]
    # Dropped from the list: the close-friends post goes from the feed at once.
    await social.remove_close_friend(stores, author, friend)
    assert await ids(stores, friend) == [followers_only]


async def test_celebrity_posts_are_pulled_and_merged_in_order(stores: Stores) -> None:
    stores.settings = stores.settings.model_copy(update={"celebrity_threshold": 2})
    star, pal, fan1, fan2 = await users(stores, "star", "pal", "fan1", "fan2")
    await follow(stores, fan1, star, pal)
    await follow(stores, fan2, star)
    for viewer in (star, pal, fan1, fan2):
        await ids(stores, viewer)
    expected: list[int] = []
    for n in range(6):
        author = star if n % 2 == 0 else pal
        post_id = await post(stores, author, f"post {n}")
        assert await fanout.fan_out_post(stores, post_id) == (1 if author == star else 2)
        expected.insert(0, post_id)
    tl = feed_sources.timelines(stores)
    assert await tl.holders([fan1], expected[1]) == set()  # the star's: not pushed
    assert await ids(stores, fan1) == expected
    assert await all_ids(stores, fan1, first=2) == expected
    assert await ids(stores, fan2) == [pid for pid in expected if pid in await ids(stores, star)]


async def _star_pal_and_fans(stores: Stores) -> tuple[int, int, int, int]:
    """A celebrity (at a threshold of 2) and a regular author; fan1 follows both and has a
    live timeline, fan2 follows the star alone and has none yet."""
    stores.settings = stores.settings.model_copy(update={"celebrity_threshold": 2})
    star, pal, fan1, fan2 = await users(stores, "star", "pal", "fan1", "fan2")
    await follow(stores, fan1, star, pal)
    await follow(stores, fan2, star)
    await ids(stores, fan1)
    return star, pal, fan1, fan2


async def test_a_lost_timeline_is_rebuilt_by_the_request_that_finds_it(stores: Stores) -> None:
    star, pal, fan1, fan2 = await _star_pal_and_fans(stores)
    for n in range(5):
        post_id = await post(stores, star if n % 2 else pal, f"post {n}")
        await fanout.fan_out_post(stores, post_id)
    before = await all_ids(stores, fan1, first=2)
    assert len(before) == 5
    await stores.redis.flushall()
    assert await ids(stores, fan1, first=20) == before
    assert await all_ids(stores, fan1, first=2) == before
    # An inactive user never had a timeline: the first request builds it.
    assert await ids(stores, fan2) == [pid for pid in before if pid in await ids(stores, star)]


async def _no_rebuild(*args: object, **kwargs: object) -> None:
    raise AssertionError("the timeline was rebuilt")


async def test_an_expired_context_is_read_again_and_the_live_timeline_kept(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    star, pal, fan1, _fan2 = await _star_pal_and_fans(stores)
    by_star = []
    for n in range(4):
        post_id = await post(stores, star if n % 2 else pal, f"post {n}")
        await fanout.fan_out_post(stores, post_id)
        if n % 2:
            by_star.append(post_id)
    before = await all_ids(stores, fan1, first=3)
    tl = feed_sources.timelines(stores)
    kept = await tl.entries(fan1)
    monkeypatch.setattr(feed_sources, "rebuild", _no_rebuild)
    await tl.invalidate_context(fan1)  # as when it expires
    assert await all_ids(stores, fan1, first=3) == before
    assert await tl.entries(fan1) == kept
    # An unfollow drops the context the same way; the next page follows it.
    await social.unfollow(stores, fan1, pal)
    assert await ids(stores, fan1, first=20) == by_star[::-1]


async def test_a_timeline_built_for_another_celebrity_set_is_rebuilt_with_its_context(stores: Stores) -> None:
    stores.settings = stores.settings.model_copy(update={"celebrity_threshold": 2})
    star, fan1, fan2 = await users(stores, "star", "fan1", "fan2")
    await follow(stores, fan1, star)
    await follow(stores, fan2, star)
    await ids(stores, fan1)
    pulled = [await post(stores, star, f"pulled {n}") for n in range(2)]
    for post_id in pulled:
        assert await fanout.fan_out_post(stores, post_id) == 0  # a celebrity's posts are pulled
    assert await ids(stores, fan1) == pulled[::-1]
    # Below the threshold again, and no post since to record it: once fan1's context is
    # read again, star is no longer pulled, so the timeline must hold star's posts.
    await social.unfollow(stores, fan2, star)
    await feed_sources.timelines(stores).invalidate_context(fan1)
    assert await ids(stores, fan1) == pulled[::-1]


async def test_a_new_close_friend_gets_the_earlier_close_friends_posts(stores: Stores) -> None:
    author, friend = await users(stores, "ann", "bo")
    await follow(stores, friend, author)
    public = await post(stores, author, "for all")
    close = await post(stores, author, "inner circle", Audience.CLOSE_FRIENDS)
    for post_id in (public, close):
        await fanout.fan_out_post(stores, post_id)
    assert await ids(stores, friend) == [public]
    await social.add_close_friend(stores, author, friend)
    assert await ids(stores, friend) == [close, public]


async def test_deleted_posts_and_blocked_authors_vanish_at_once(stores: Stores) -> None:
    author, other, viewer = await users(stores, "ann", "oz", "vi")
    await follow(stores, viewer, author, other)
    await ids(stores, viewer)
    kept = await post(stores, other)
    gone = await post(stores, author)
    blocked_post = await post(stores, author)
    for post_id in (kept, gone, blocked_post):
        await fanout.fan_out_post(stores, post_id)
    assert await ids(stores, viewer) == [blocked_post, gone, kept]
    await posts.delete_post(stores, author, gone)
    assert await ids(stores, viewer) == [blocked_post, kept]
    await fanout.retract_post(stores, gone)
    tl = feed_sources.timelines(stores)
    assert await tl.holders([author, viewer], gone) == set()
    await social.block(stores, author, viewer)
    assert await ids(stores, viewer) == [kept]
    await fanout.prune_block(stores, author, viewer)
    assert [entry.post_id for entry in await tl.entries(viewer)] == [kept]


async def test_timelines_keep_the_newest_max_items(stores: Stores) -> None:
    stores.settings = stores.settings.model_copy(update={"timeline_max_items": 3})
    author, viewer = await users(stores, "ann", "vi")
    await follow(stores, viewer, author)
    await ids(stores, viewer)
    made = [await post(stores, author) for _ in range(5)]
    for post_id in made:
        await fanout.fan_out_post(stores, post_id)
    entries = await feed_sources.timelines(stores).entries(viewer)
    assert [entry.post_id for entry in entries] == made[::-1][:3]
    assert await all_ids(stores, viewer, first=2) == made[::-1][:3]
    await stores.redis.flushall()  # a rebuild keeps the same cap
    assert await all_ids(stores, viewer, first=2) == made[::-1][:3]


async def test_cursors_hold_while_new_posts_arrive(stores: Stores) -> None:
    author, pal, viewer = await users(stores, "ann", "pal", "vi")
    await follow(stores, viewer, author, pal)
    await ids(stores, viewer)
    original: list[int] = []
    for n in range(9):
        post_id = await post(stores, author if n % 3 else pal)
        await fanout.fan_out_post(stores, post_id)
        original.insert(0, post_id)

    async def publish(count: int) -> None:
        for n in range(count):
            post_id = await post(stores, pal if n % 2 else author)
            await fanout.fan_out_post(stores, post_id)

    seen: list[int] = []
    current = await page(stores, viewer, 3)
    seen += [item.post.id for item in current.items]
    while current.has_next:
        # New posts land between every two pages; the cursor keeps its place.
        _, current = await asyncio.gather(publish(2), page(stores, viewer, 3, current.end_cursor))
        seen += [item.post.id for item in current.items]
    assert seen == original


async def test_a_fan_out_killed_halfway_is_completed_by_its_retry(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores.settings = stores.settings.model_copy(update={"fanout_page_size": 2})
    author, *followers = await users(stores, "ann", "f1", "f2", "f3", "f4", "f5")
    for follower in followers:
        await follow(stores, follower, author)
        await ids(stores, follower)
    post_id = await post(stores, author)
    tl = feed_sources.timelines(stores)
    real_push_pages = Timelines.push_pages

    async def dying_push_pages(self: Timelines, pages: Sequence[Sequence[int]], entries: Sequence[Entry]) -> int:
        assert len(pages) == 3
        await real_push_pages(self, pages[:1], entries)  # one page of followers, then the worker dies
        raise ConnectionError("worker killed")

    monkeypatch.setattr(Timelines, "push_pages", dying_push_pages)
    with pytest.raises(ConnectionError):
        await fanout.fan_out_post(stores, post_id)
    assert len(await tl.holders(followers, post_id)) == 2
    monkeypatch.setattr(Timelines, "push_pages", real_push_pages)
    await fanout.fan_out_post(stores, post_id)  # the retry
    assert await tl.holders(followers, post_id) == set(followers)
    for follower in followers:
        assert [entry.post_id for entry in await tl.entries(follower)] == [post_id]
        assert await ids(stores, follower) == [post_id]


async def test_the_post_is_fanned_out_even_if_the_process_dies_before_enqueueing(
    stores: Stores, worker: dramatiq.Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores.settings = stores.settings.model_copy(update={"outbox_dispatch_grace_seconds": 0})
    author, fan = await users(stores, "ann", "fan")
    await follow(stores, fan, author)
    await ids(stores, fan)

    async def died(*args: object) -> None:
        return None

    monkeypatch.setattr(outbox, "dispatch", died)
    post_id = await post(stores, author)
    async with stores.sessions() as session:
        pending = list(await session.scalars(select(OutboxEvent).where(OutboxEvent.actor == names.FAN_OUT_POST)))
    assert [event.args for event in pending] == [[post_id]]
    assert pending[0].enqueued_at is None
    monkeypatch.undo()
    # A relay (this one, or the worker's own) sends what the dead process never did.
    await outbox.relay_once(stores)
    deadline = asyncio.get_running_loop().time() + 15
    while not await feed_sources.timelines(stores).holders([fan], post_id):
        assert asyncio.get_running_loop().time() < deadline, "the relayed fan-out never ran"
        await asyncio.sleep(0.05)
    assert await ids(stores, fan) == [post_id]


async def test_top_ranks_engagement_with_time_decay(stores: Stores) -> None:
    author, viewer, *fans = await users(stores, "ann", "vi", "l1", "l2", "l3")
    await follow(stores, viewer, author)
    await ids(stores, viewer)
    quiet_old, busy, quiet_new = [await post(stores, author) for _ in range(3)]
    for post_id in (quiet_old, busy, quiet_new):
        await fanout.fan_out_post(stores, post_id)
    for fan in fans:
        await engagement.like_post(stores, fan, busy)
    await engagement.add_comment(stores, fans[0], busy, "great")
    assert await ids(stores, viewer) == [quiet_new, busy, quiet_old]
    assert await ids(stores, viewer, order=FeedOrder.TOP) == [busy, quiet_new, quiet_old]
    assert await all_ids(stores, viewer, first=1, order=FeedOrder.TOP) == [busy, quiet_new, quiet_old]
    # A post that arrives while paging does not reshuffle the pages already anchored.
    first_page = await page(stores, viewer, 1, order=FeedOrder.TOP)
    await fanout.fan_out_post(stores, await post(stores, author))
    rest = await page(stores, viewer, 5, first_page.end_cursor, FeedOrder.TOP)
    assert [item.post.id for item in rest.items] == [quiet_new, quiet_old]


async def test_a_new_follow_brings_in_recent_posts_it_may_see(stores: Stores) -> None:
    author, viewer = await users(stores, "ann", "vi")
    await ids(stores, viewer)
    shown = [await post(stores, author, f"public {n}") for n in range(3)]
    await post(stores, author, "for close friends", Audience.CLOSE_FRIENDS)
    await follow(stores, viewer, author)
    # Shown at once (the request rebuilds the dropped context and pulls nothing yet)...
    assert await fanout.backfill_follow(stores, viewer, author) == 1
    entries = await feed_sources.timelines(stores).entries(viewer)
    assert [entry.post_id for entry in entries] == shown[::-1]
    assert await ids(stores, viewer) == shown[::-1]
    # ...and not brought back by a backfill that runs after an unfollow.
    await social.unfollow(stores, viewer, author)
    await fanout.prune_unfollow(stores, viewer, author)
    assert await fanout.backfill_follow(stores, viewer, author) == 0
    assert await ids(stores, viewer) == []


async def test_an_author_who_stops_being_pulled_is_pushed_back(stores: Stores) -> None:
    stores.settings = stores.settings.model_copy(update={"celebrity_threshold": 2})
    star, fan1, fan2 = await users(stores, "star", "fan1", "fan2")
    await follow(stores, fan1, star)
    await follow(stores, fan2, star)
    for viewer in (star, fan1, fan2):
        await ids(stores, viewer)
    pulled = await post(stores, star, "pulled")
    assert await fanout.fan_out_post(stores, pulled) == 1
    assert await ids(stores, fan1) == [pulled]
    await social.unfollow(stores, fan2, star)  # one follower left: below the threshold
    pushed = await post(stores, star, "pushed")
    await fanout.fan_out_post(stores, pushed)
    tl = feed_sources.timelines(stores)
    assert await tl.holders([star, fan1, fan2], pushed) == {star, fan1}
    assert await tl.holders([fan1], pulled) == {fan1}  # brought back with the recent posts
    assert await ids(stores, fan1) == [pushed, pulled]


async def test_the_pull_model_and_a_redis_outage_give_the_same_feed(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    star, pal, fan1, _fan2 = await _star_pal_and_fans(stores)
    for n in range(7):
        audience = Audience.FOLLOWERS if n % 3 else Audience.EVERYONE
        await fanout.fan_out_post(stores, await post(stores, star if n % 2 else pal, f"post {n}", audience))
    hybrid = await all_ids(stores, fan1, first=3)
    assert len(hybrid) == 7
    stores.settings = stores.settings.model_copy(update={"feed_strategy": "pull"})
    assert await all_ids(stores, fan1, first=3) == hybrid
    stores.settings = stores.settings.model_copy(update={"feed_strategy": "hybrid"})

    async def redis_down(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("connection refused")

    monkeypatch.setattr(Timelines, "read", redis_down)
    assert await all_ids(stores, fan1, first=3) == hybrid
