"""Follow counts come from the graph, are cached in Redis, and never cached stale."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from devstack import free_port
from graph import Graph
from graph import social as graph_social
from services import follow_counts
from services.stores import Stores


async def test_counts_are_cached_until_invalidated(stores: Stores, monkeypatch: pytest.MonkeyPatch) -> None:
    await graph_social.follow(stores.graph, 2, 1, private=False, now=1)
    assert await follow_counts.get_many(stores, [1, 2]) == {1: (1, 0), 2: (0, 1)}

    async def graph_down(graph: Graph, ids: list[int]) -> dict[int, tuple[int, int]]:
        raise AssertionError("a cached count went to the graph")

    monkeypatch.setattr(graph_social, "follow_counts", graph_down)
    assert await follow_counts.get_many(stores, [1, 2]) == {1: (1, 0), 2: (0, 1)}
    monkeypatch.undo()
    await graph_social.follow(stores.graph, 3, 1, private=False, now=2)
    await follow_counts.invalidate(stores, 3, 1)
    assert await follow_counts.get_many(stores, [1]) == {1: (2, 0)}


async def test_a_read_racing_a_follow_does_not_cache_the_old_count(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    await graph_social.ensure_users(stores.graph, [1, 2])
    counted = graph_social.follow_counts

    async def follow_lands_mid_read(graph: Graph, ids: list[int]) -> dict[int, tuple[int, int]]:
        before = await counted(graph, ids)
        await graph_social.follow(graph, 2, 1, private=False, now=1)
        await follow_counts.invalidate(stores, 2, 1)
        return before

    monkeypatch.setattr(graph_social, "follow_counts", follow_lands_mid_read)
    assert await follow_counts.get_many(stores, [1]) == {1: (0, 0)}
    monkeypatch.undo()
    assert await follow_counts.get_many(stores, [1]) == {1: (1, 0)}


async def test_counts_still_answer_without_redis(stores: Stores, monkeypatch: pytest.MonkeyPatch) -> None:
    """Redis is only a cache: losing it costs latency, never the answer."""
    await graph_social.follow(stores.graph, 2, 1, private=False, now=1)
    nothing_listens = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2)
    monkeypatch.setattr(stores, "redis", nothing_listens)
    try:
        assert await follow_counts.get_many(stores, [1]) == {1: (1, 0)}
    finally:
        await nothing_listens.aclose()
