"""The benchmark data set: what lands in each store, and that the product can read it."""

from __future__ import annotations

import collections
from typing import Any

import pytest
from sqlalchemy import text

from bench import content, dataset
from cli import parser
from db.ids import EPOCH_MS, TIMESTAMP_SHIFT
from graph import bulk
from graph import social as graph_social
from schema import build_schema
from schema.context import in_process_context
from services.stores import Stores
from settings import Settings

SPEC = dataset.DatasetSpec(users=300, avg_follows=8, posts=3000, celebrities=2, celebrity_share=0.8, seed=7)
CELEBRITY_FLOOR = 200  # 80% of 300 users, less some luck

AUTHOR_POSTS = """
query ($username: String!) {
  user(username: $username) {
    posts(first: 5) { edges { node {
      id audience media { kind width height url(size: 320) } previewComments { text author { username } }
    } } }
  }
}"""


async def _scalar(stores: Stores, sql: str) -> Any:
    async with stores.engine.connect() as connection:
        return (await connection.execute(text(sql))).scalar_one()


async def _bench_ids(stores: Stores) -> list[int]:
    async with stores.engine.connect() as connection:
        return await content.bench_user_ids(connection)


async def test_the_data_set_has_the_shape_the_spec_asks_for(stores: Stores, settings: Settings) -> None:
    summary = await dataset.build(stores, SPEC)

    ids = await _bench_ids(stores)
    assert len(ids) == summary.users == SPEC.users
    assert await _scalar(stores, "SELECT count(*) FROM users WHERE last_login_at IS NULL") == 0
    assert await _scalar(stores, "SELECT count(*) FROM posts") == summary.posts == SPEC.posts
    assert await _scalar(stores, "SELECT count(*) FROM comments") == summary.comments
    assert 0.1 * 2 * SPEC.posts < summary.comments < 0.3 * 2 * SPEC.posts
    assert await _scalar(stores, "SELECT count(*) FROM post_hashtags") == summary.hashtags > 0

    # Ids are what shutter_next_id() would have made at each row's creation time.
    for table in ("posts", "media", "comments", "users"):
        mismatched = await _scalar(
            stores,
            f"SELECT count(*) FROM {table} "
            f"WHERE (id >> {TIMESTAMP_SHIFT}) + {EPOCH_MS} <> (extract(epoch FROM created_at) * 1000)::bigint",
        )
        assert mismatched == 0, table
    out_of_order = await _scalar(
        stores,
        "SELECT count(*) FROM (SELECT created_at, lag(created_at) OVER (ORDER BY id) AS before FROM posts) AS s "
        "WHERE created_at <= before",
    )
    assert out_of_order == 0
    span = await _scalar(stores, "SELECT extract(epoch FROM max(created_at) - min(created_at)) / 86400 FROM posts")
    assert 29 < span <= 30

    # Every post shows one READY image of its author's; comments come after their post.
    with_one_image = await _scalar(
        stores,
        "SELECT count(*) FROM posts p WHERE (SELECT count(*) FROM media m WHERE m.post_id = p.id "
        "AND m.status = 'READY' AND m.kind = 'IMAGE' AND m.owner_id = p.author_id AND m.position = 0) = 1",
    )
    assert with_one_image == SPEC.posts
    assert await _scalar(stores, "SELECT count(*) FROM media WHERE length(sha256) <> 64") == 0
    assert (
        await _scalar(stores, "SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id <= p.id")
        == 0
    )

    # Audiences mostly EVERYONE; a few authors write a lot.
    everyone = await _scalar(stores, "SELECT count(*) FROM posts WHERE audience = 'EVERYONE'")
    assert 0.8 * SPEC.posts < everyone < 0.95 * SPEC.posts
    busiest = await _scalar(stores, "SELECT max(n) FROM (SELECT count(*) AS n FROM posts GROUP BY author_id) AS s")
    assert busiest > 5 * SPEC.posts / SPEC.users

    # The graph: no self-follows, no duplicates, as many edges as reported.
    edges = await bulk.follows_from(stores.graph, ids)
    assert len(edges) == summary.follows
    assert all(a != b for a, b in edges)
    assert len(set(edges)) == len(edges)
    assert 0.7 * SPEC.avg_follows < len(edges) / SPEC.users < 1.3 * SPEC.avg_follows

    # Celebrities have the most followers by far.
    counts = await graph_social.follow_counts(stores.graph, ids)
    followers = sorted(((n, uid) for uid, (n, _) in counts.items()), reverse=True)
    stars = {c.id for c in summary.celebrities}
    assert {uid for _, uid in followers[: SPEC.celebrities]} == stars
    assert all(c.followers == counts[c.id][0] > CELEBRITY_FLOOR for c in summary.celebrities)
    assert followers[SPEC.celebrities][0] == summary.most_followed_regular < CELEBRITY_FLOOR
    assert collections.Counter(n == 0 for n, _ in followers)[False] > SPEC.users / 2

    # The product reads it: media URLs resolve and preview comments show.
    author = await _scalar(
        stores,
        "SELECT u.username FROM users u JOIN posts p ON p.author_id = u.id "
        "GROUP BY u.username ORDER BY count(*) DESC LIMIT 1",
    )
    result = await build_schema(settings).execute(
        AUTHOR_POSTS,
        variable_values={"username": author},
        context_value=in_process_context(stores, None, "test"),
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    nodes = [edge["node"] for edge in result.data["user"]["posts"]["edges"]]
    assert nodes and all(node["audience"] == "EVERYONE" for node in nodes)
    assert all(len(node["media"]) == 1 and node["media"][0]["url"] for node in nodes)


async def test_a_second_build_is_refused_unless_reset(stores: Stores) -> None:
    small = dataset.DatasetSpec(users=60, avg_follows=4, posts=300, celebrities=1, celebrity_share=0.5, seed=3)
    first = await dataset.build(stores, small)
    with pytest.raises(dataset.DatasetExists):
        await dataset.build(stores, small)

    old_ids = await _bench_ids(stores)
    second = await dataset.build(stores, small, reset_first=True)
    new_ids = await _bench_ids(stores)
    assert len(new_ids) == small.users and not set(new_ids) & set(old_ids)
    assert await _scalar(stores, "SELECT count(*) FROM posts") == small.posts
    # One seed, one data set: the same counts again, and nothing left of the old users.
    assert (second.follows, second.comments, second.hashtags) == (first.follows, first.comments, first.hashtags)
    assert await bulk.follows_from(stores.graph, old_ids) == []
    assert await graph_social.follow_counts(stores.graph, old_ids[:5]) == {uid: (0, 0) for uid in old_ids[:5]}

    assert await dataset.reset(stores) == small.users
    assert await _bench_ids(stores) == []
    assert await _scalar(stores, "SELECT count(*) FROM posts") == 0
    assert await _scalar(stores, "SELECT count(*) FROM media") == 0


def test_bench_commands_parse() -> None:
    args = parser().parse_args(["seed", "--users", "100", "--avg-follows", "5", "--posts", "10", "--reset"])
    assert (args.users, args.avg_follows, args.posts, args.reset) == (100, 5.0, 10, True)
    assert parser().parse_args(["seed"]).users is None
    feed = parser().parse_args(["bench", "feed", "--concurrency", "4", "--duration", "3", "--users-sample", "50"])
    assert (feed.concurrency, feed.duration, feed.users_sample) == (4, 3.0, 50)
    fanout = parser().parse_args(["bench", "fanout", "--followers", "500"])
    assert fanout.followers == 500
    for command in (["bench", "--help"], ["bench", "feed", "--help"], ["bench", "fanout", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            parser().parse_args(command)
        assert exit_info.value.code == 0
