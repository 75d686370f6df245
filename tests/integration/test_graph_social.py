"""The follow graph against the real Bolt server: edges, blocks, lists and concurrency."""

from __future__ import annotations

import asyncio

from graph import listing, social
from graph.listing import Listing
from graph.social import FollowOutcome
from services.stores import Stores


async def test_follow_is_idempotent_and_counted_from_edges(stores: Stores) -> None:
    graph = stores.graph
    assert await social.follow(graph, 1, 2, private=False, now=10) is FollowOutcome.FOLLOWING
    assert await social.follow(graph, 1, 2, private=False, now=20) is FollowOutcome.FOLLOWING
    assert await social.follow_counts(graph, [1, 2, 3]) == {1: (0, 1), 2: (1, 0), 3: (0, 0)}
    relationship = (await social.relationships(graph, 1, [2]))[2]
    assert relationship.following and not relationship.followed_by


async def test_private_follow_is_a_request_until_approved(stores: Stores) -> None:
    graph = stores.graph
    assert await social.follow(graph, 1, 2, private=True, now=10) is FollowOutcome.REQUESTED
    assert (await social.relationships(graph, 1, [2]))[2].requested
    assert await social.follow_counts(graph, [2]) == {2: (0, 0)}
    assert await social.approve_request(graph, 2, 1, now=11)
    assert not await social.approve_request(graph, 2, 1, now=12)
    relationship = (await social.relationships(graph, 1, [2]))[2]
    assert relationship.following and not relationship.requested


async def test_block_cuts_every_edge_both_ways_and_stops_follows(stores: Stores) -> None:
    graph = stores.graph
    await social.follow(graph, 1, 2, private=False, now=1)
    await social.follow(graph, 2, 1, private=True, now=2)
    await social.block(graph, 1, 2, now=3)
    assert await social.follow_counts(graph, [1, 2]) == {1: (0, 0), 2: (0, 0)}
    assert await social.follow(graph, 2, 1, private=False, now=4) is FollowOutcome.BLOCKED
    assert await social.follow(graph, 1, 2, private=False, now=5) is FollowOutcome.BLOCKED
    seen_by_2 = (await social.relationships(graph, 2, [1]))[1]
    assert seen_by_2.blocked_by and not seen_by_2.blocking


async def test_listing_pages_newest_first_without_gaps(stores: Stores) -> None:
    graph = stores.graph
    for follower in range(10, 17):
        await social.follow(graph, follower, 1, private=False, now=follower * 100)
    seen: list[int] = []
    after = None
    while True:
        page = await listing.page(graph, Listing.FOLLOWERS, 1, 3, after)
        if not page:
            break
        seen.extend(uid for uid, _ in page)
        after = (page[-1][1], page[-1][0])
    assert seen == list(range(16, 9, -1))


async def test_unfollow_withdraws_a_request_and_reports_what_went(stores: Stores) -> None:
    graph = stores.graph
    await social.follow(graph, 1, 2, private=True, now=1)
    assert await social.unfollow(graph, 1, 2) == 1
    assert await social.unfollow(graph, 1, 2) == 0


async def test_close_friends_are_listed_and_removed(stores: Stores) -> None:
    graph = stores.graph
    await social.add_close_friend(graph, 1, 2, now=5)
    assert (await social.relationships(graph, 2, [1]))[1].close_friend_of
    assert await listing.page(graph, Listing.CLOSE_FRIENDS, 1, 10, None) == [(2, 5)]
    assert await social.remove_close_friend(graph, 1, 2)
    assert not (await social.relationships(graph, 2, [1]))[1].close_friend_of


async def test_concurrent_follows_and_unfollows_of_one_pair_keep_one_edge(stores: Stores) -> None:
    graph = stores.graph
    await asyncio.gather(*(social.follow(graph, 1, 2, private=False, now=i) for i in range(20)))
    assert await social.follow_counts(graph, [2]) == {2: (1, 0)}
    # Several rounds, all in one millisecond: the pair lock must hold even when every
    # transaction would write the same timestamp.
    for _ in range(10):
        await asyncio.gather(
            *(
                social.follow(graph, 1, 2, private=False, now=7) if i % 2 else social.unfollow(graph, 1, 2)
                for i in range(20)
            )
        )
        await social.follow(graph, 1, 2, private=False, now=7)
        assert await social.follow_counts(graph, [1, 2]) == {1: (0, 1), 2: (1, 0)}


async def test_many_followers_at_once_are_all_counted(stores: Stores) -> None:
    graph = stores.graph
    followers = list(range(100, 130))
    await asyncio.gather(*(social.follow(graph, f, 1, private=False, now=f) for f in followers))
    assert await social.follow_counts(graph, [1]) == {1: (30, 0)}
    page = await listing.page(graph, Listing.FOLLOWERS, 1, 100, None)
    assert sorted(uid for uid, _ in page) == followers
