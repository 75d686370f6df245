"""What a feed page costs: one Redis round trip, at most two Postgres statements, no graph
call, whatever the page size; the whole card (authors, media, likes, comments) stays flat."""

from __future__ import annotations

import pytest

from bench.roundtrips import RoundTrips, count_round_trips
from schema import build_schema
from services import engagement, fanout, feed, social
from services.feed import FeedOrder
from services.stores import Stores
from tests.integration.feedkit import follow, ids, post, request_context, users

SMALL, LARGE = 5, 50

FEED_CARDS = """
query ($first: Int!, $order: FeedOrder!) {
  feed(first: $first, order: $order) {
    edges { cursor reason node {
      id caption createdAt likeCount commentCount viewerHasLiked
      author { id username }
      media { kind width height url(size: 320) }
      previewComments { id text author { username } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def _community(stores: Stores) -> int:
    """A viewer following a pushed author and a pulled celebrity, 60 posts between them,
    liked and commented on, with a blocked commenter."""
    stores.settings = stores.settings.model_copy(update={"celebrity_threshold": 3})
    viewer, author, star, fan1, fan2, troll = await users(stores, "vi", "ann", "star", "fan1", "fan2", "troll")
    await follow(stores, viewer, author, star)
    await follow(stores, fan1, star)
    await follow(stores, fan2, star)
    await ids(stores, viewer)
    for n in range(60):
        post_id = await post(stores, star if n % 3 == 0 else author, f"frame {n}")
        await fanout.fan_out_post(stores, post_id)
        if n % 2:
            await engagement.like_post(stores, viewer, post_id)
        await engagement.add_comment(stores, fan1, post_id, f"nice {n}")
        if n % 4 == 0:
            await engagement.add_comment(stores, troll, post_id, "boo")
    await social.block(stores, viewer, troll)
    await ids(stores, viewer)  # the block dropped the cached context: build it again
    return viewer


@pytest.mark.parametrize("order", list(FeedOrder))
async def test_feed_pages_cost_the_same_for_5_as_for_50(stores: Stores, order: FeedOrder) -> None:
    viewer = await _community(stores)
    # The page itself: one script call in Redis, one statement (two to rank), no graph.
    statements = 1 if order is FeedOrder.RECENT else 2
    for size in (SMALL, LARGE):
        with count_round_trips(stores) as counted:
            result = await feed.feed_page(stores, viewer, size, None, order)
        assert len(result.items) == size
        assert counted.totals() == {"sql": statements, "checkouts": 1, "graph": 0, "redis": 1}, counted.report()
    # Whole cards through the schema.
    schema = build_schema(stores.settings)
    counts: dict[int, RoundTrips] = {}
    for size in (SMALL, LARGE):
        with count_round_trips(stores) as counted:
            cards = await schema.execute(
                FEED_CARDS,
                variable_values={"first": size, "order": order.value},
                context_value=request_context(stores, viewer),
            )
        assert cards.errors is None, cards.errors
        assert cards.data is not None
        edges = cards.data["feed"]["edges"]
        assert len(edges) == size
        commenters = {c["author"]["username"] for e in edges for c in e["node"]["previewComments"]}
        assert commenters == {"fan1"}  # the blocked troll's comments are left out
        counts[size] = counted
    small, large = counts[SMALL].totals(), counts[LARGE].totals()
    assert small == large, counts[LARGE].report()
    # Then one batch each: media, viewerHasLiked, preview comments, the commenters; in Redis,
    # the operation's rate-limit bucket besides the page's script.
    assert large["graph"] == 0 and large["redis"] == 2, counts[LARGE].report()
    assert large["sql"] == statements + 4, counts[LARGE].report()
