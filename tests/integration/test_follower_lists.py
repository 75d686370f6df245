"""Follower lists cached in Redis for fan-out: filled from the graph, forgotten on change."""

from __future__ import annotations

import pytest

from graph import feed as graph_feed
from graph import social as graph_social
from services import fanout, feed_sources, follower_lists, social
from services.stores import Stores
from tests.integration.feedkit import follow, ids, post, users


async def test_a_list_is_read_from_the_graph_once_then_from_redis(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    author, *fans = await users(stores, "ann", "f1", "f2", "f3")
    await follow(stores, fans[0], author)
    await follow(stores, fans[1], author)
    walks = 0
    real_pages = graph_feed.follower_pages

    async def counted(*args: object, **kwargs: object) -> list[list[int]]:
        nonlocal walks
        walks += 1
        return await real_pages(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(graph_feed, "follower_pages", counted)
    assert sorted(await follower_lists.followers(stores, author)) == sorted(fans[:2])
    assert sorted(await follower_lists.followers(stores, author)) == sorted(fans[:2])
    assert walks == 1
    # A follow made past the services (as a bulk load does) is not seen until forgotten.
    await graph_social.follow(stores.graph, fans[2], author, private=False, now=1)
    assert sorted(await follower_lists.followers(stores, author)) == sorted(fans[:2])
    await follower_lists.forget(stores, author)
    assert sorted(await follower_lists.followers(stores, author)) == sorted(fans)
    assert walks == 2


async def test_follow_unfollow_block_and_remove_follower_forget_the_list(stores: Stores) -> None:
    author, fan, other = await users(stores, "ann", "fan", "other")
    assert await follower_lists.followers(stores, author) == []
    await follow(stores, fan, author)
    assert await follower_lists.followers(stores, author) == [fan]
    await social.unfollow(stores, fan, author)
    assert await follower_lists.followers(stores, author) == []
    await follow(stores, fan, author)
    await follow(stores, other, author)
    assert sorted(await follower_lists.followers(stores, author)) == sorted([fan, other])
    await social.remove_follower(stores, author, other)
    assert await follower_lists.followers(stores, author) == [fan]
    await social.block(stores, author, fan)
    assert await follower_lists.followers(stores, author) == []


async def test_a_fill_that_raced_a_change_is_not_stored(stores: Stores, monkeypatch: pytest.MonkeyPatch) -> None:
    author, fan, late = await users(stores, "ann", "fan", "late")
    await follow(stores, fan, author)
    real_pages = graph_feed.follower_pages

    async def racing(*args: object, **kwargs: object) -> list[list[int]]:
        found = await real_pages(*args, **kwargs)  # type: ignore[arg-type]
        await follow(stores, late, author)  # lands between the graph read and the store
        return found

    monkeypatch.setattr(graph_feed, "follower_pages", racing)
    assert await follower_lists.followers(stores, author) == [fan]  # this fill's own answer
    monkeypatch.setattr(graph_feed, "follower_pages", real_pages)
    assert sorted(await follower_lists.followers(stores, author)) == sorted([fan, late])


async def test_fan_out_reaches_a_new_follower_through_the_cached_list(stores: Stores) -> None:
    author, fan, late = await users(stores, "ann", "fan", "late")
    await follow(stores, fan, author)
    await ids(stores, fan)
    await ids(stores, late)
    first = await post(stores, author, "first")
    assert await fanout.fan_out_post(stores, first) == 1  # fan's (the author never read a feed)
    assert await follower_lists.followers(stores, author) == [fan]  # now cached
    await follow(stores, late, author)
    second = await post(stores, author, "second")
    await fanout.fan_out_post(stores, second)
    holders = await feed_sources.timelines(stores).holders([fan, late], second)
    assert holders == {fan, late}
