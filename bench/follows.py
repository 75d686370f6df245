"""The data set's follow graph: who follows whom, drawn with a power law, and its bulk load.

Users are ranked by popularity (a seeded shuffle). The first ranks are the celebrities,
each followed by a fixed share of everyone; the rest are followed with probability falling
off with rank, so a few accounts gather thousands of followers and most have a handful.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from graph import bulk
from graph.driver import Graph

BATCH = 5000  # nodes or edges per statement
CONCURRENCY = 1  # batches in flight: concurrent batches conflict on shared followees and retry, slower overall
GRAPH_TIMEOUT_SECONDS = 300.0  # per batch, retries on write conflicts included
FOLLOW_SKEW = 2.0  # followee = rank N * u**skew among the non-celebrities
FOLLOWS_SPREAD = 0.8  # sigma of the log-normal number of accounts each user follows
SINCE_DAYS = 60  # follows were made over the last 60 days
DAY_MS = 24 * 3600 * 1000

T = TypeVar("T")
Edge = tuple[int, int, int]  # follower, followee, since (ms)


@dataclass(frozen=True)
class FollowPlan:
    edges: list[Edge]
    celebrities: list[int]


def plan_follows(
    ranked: Sequence[int], *, avg_follows: float, celebrities: int, celebrity_share: float, seed: int, now_ms: int
) -> FollowPlan:
    """Edges without self-follows or duplicates; ``avg_follows`` per user on average, the
    celebrity follows included."""
    rng = random.Random(seed)
    stars, regular = list(ranked[:celebrities]), list(ranked[celebrities:])
    mean_regular = max(avg_follows - len(stars) * celebrity_share, 0.0)
    # A log-normal with this mu has mean mean_regular.
    mu = math.log(mean_regular) - FOLLOWS_SPREAD**2 / 2 if mean_regular > 0 else 0.0
    # Drawing distinct targets by rejection stays quick while users follow at most half the others.
    most = len(regular) // 2
    earliest = now_ms - SINCE_DAYS * DAY_MS
    edges: list[Edge] = []
    for follower in ranked:
        edges.extend(
            (follower, star, rng.randrange(earliest, now_ms))
            for star in stars
            if star != follower and rng.random() < celebrity_share
        )
        want = min(round(rng.lognormvariate(mu, FOLLOWS_SPREAD)), most) if mean_regular > 0 else 0
        chosen: set[int] = set()
        while len(chosen) < want:
            followee = regular[int(len(regular) * rng.random() ** FOLLOW_SKEW)]
            if followee != follower:
                chosen.add(followee)
        edges.extend((follower, followee, rng.randrange(earliest, now_ms)) for followee in chosen)
    return FollowPlan(edges, stars)


async def _in_batches(
    items: Sequence[T], size: int, load: Callable[[Sequence[T]], Awaitable[None]], concurrency: int
) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(start: int) -> None:
        async with gate:
            await load(items[start : start + size])

    await asyncio.gather(*(one(start) for start in range(0, len(items), size)))


async def load_users(graph: Graph, ids: Sequence[int]) -> None:
    patient = bulk.patient(graph, GRAPH_TIMEOUT_SECONDS)
    await _in_batches(ids, BATCH, lambda batch: bulk.merge_users(patient, batch), CONCURRENCY)


async def load_follows(graph: Graph, edges: Sequence[Edge]) -> None:
    patient = bulk.patient(graph, GRAPH_TIMEOUT_SECONDS)
    await _in_batches(edges, BATCH, lambda batch: bulk.create_follows(patient, batch), CONCURRENCY)


async def delete_users(graph: Graph, ids: Sequence[int]) -> None:
    # Smaller batches: each node takes its edges with it.
    patient = bulk.patient(graph, GRAPH_TIMEOUT_SECONDS)
    await _in_batches(ids, BATCH // 5, lambda batch: bulk.delete_users(patient, batch), 1)
