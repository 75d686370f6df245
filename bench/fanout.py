"""`shutter bench fanout`: how fast a post reaches its author's followers' timelines.

A dedicated author (bench user `benchfanout`) gets F active followers with live timelines.
Then (a) fan-out throughput: fresh posts fanned out in this process, timeline inserts per
second (the first run reads the follower list from the graph, later ones from its Redis
cache); (b) post-to-visible latency: a worker runs as a child process, the author posts
through the service, and the clock runs from just before the post is committed until every
follower's timeline holds it.

The celebrity threshold is raised above F for this process and the worker, so the author's
posts are pushed, not pulled; a `make dev` worker consuming the same queue would not know.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench import content, dataset, follows, results
from bench.servers import Child
from graph import bulk
from graph.listing import Listing
from graph.listing import page as listing_page
from services import fanout, feed_sources, follow_counts, follower_lists, posts
from services.stores import Stores, open_stores
from settings import Settings

AUTHOR = "fanout"  # username bench<AUTHOR>
FOLLOWER_PAGE = 1000
WARM_CONCURRENCY = 8
THROUGHPUT_RUNS = 3
LATENCY_RUNS = 3
VISIBLE_TIMEOUT_SECONDS = 60.0
POLL_SECONDS = 0.005
TARGET_INSERTS_PER_S = 50_000
TARGET_VISIBLE_MS = 2_000


@dataclass(frozen=True)
class FanoutBenchSpec:
    followers: int = 10_000


class _Clock:
    """Milliseconds for new rows, strictly increasing so each gets its own id."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last = max(content.now_ms(), self.last + 1)
        return self.last


async def _current_followers(stores: Stores, author_id: int) -> set[int]:
    found: set[int] = set()
    after: tuple[int, int] | None = None
    while True:
        rows = await listing_page(stores.graph, Listing.FOLLOWERS, author_id, FOLLOWER_PAGE, after)
        found.update(uid for uid, _ in rows)
        if len(rows) < FOLLOWER_PAGE:
            return found
        oid, since = rows[-1]
        after = (since, oid)


async def _prepare(stores: Stores, spec: FanoutBenchSpec, clock: _Clock) -> tuple[int, list[int], dict[str, float]]:
    """The author and exactly ``spec.followers`` followers of theirs, all active."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    password_hash = await dataset.bench_password_hash(stores.settings)
    async with stores.engine.begin() as connection:
        author = await content.ensure_user(connection, AUTHOR, password_hash, clock.next())
        chosen = await content.bench_user_sample(connection, spec.followers, exclude=author)
        missing = spec.followers - len(chosen)
        if missing > 0:
            # One millisecond each from now on, so no id repeats one made before or after.
            start = clock.next()
            made = await content.insert_users(
                connection,
                missing,
                password_hash,
                first_number=await content.highest_number(connection) + 1,
                start_ms=start,
                gap_ms=1,
            )
            clock.last = start + missing
            chosen.extend(sorted(made))
        await content.mark_active(connection, chosen)
    await follows.load_users(stores.graph, [author, *chosen])
    existing = await _current_followers(stores, author)
    since = clock.next()
    await follows.load_follows(stores.graph, [(uid, author, since) for uid in chosen if uid not in existing])
    extra = existing - set(chosen)
    if extra:
        raise RuntimeError(f"bench{AUTHOR} has {len(extra)} followers outside the bench; reset the data set")
    await follow_counts.invalidate(stores, author)
    # The follows were loaded straight into the graph, past the jobs that forget cached lists.
    await follower_lists.forget(stores, author)
    seconds["followers"] = round(time.perf_counter() - started, 2)

    # Fan-out writes only into live timelines: read each follower's feed once to build it.
    started = time.perf_counter()
    gate = asyncio.Semaphore(WARM_CONCURRENCY)

    async def warm(uid: int) -> None:
        async with gate:
            await feed_sources.window(stores, uid, None, 1)

    await asyncio.gather(*(warm(uid) for uid in chosen))
    seconds["warm_timelines"] = round(time.perf_counter() - started, 2)
    return author, chosen, seconds


async def _throughput(stores: Stores, author: int, followers: list[int], clock: _Clock) -> list[dict[str, Any]]:
    runs = []
    for _ in range(THROUGHPUT_RUNS):
        async with stores.engine.begin() as connection:
            post_id = await content.insert_post(connection, author, clock.next())
        started = time.perf_counter()
        written = await fanout.fan_out_post(stores, post_id)
        elapsed = time.perf_counter() - started
        holding = await feed_sources.timelines(stores).holders(followers, post_id)
        runs.append(
            {
                "timelines_written": written,
                "followers_holding": len(holding),
                "seconds": round(elapsed, 4),
                "inserts_per_s": round(written / elapsed) if elapsed else None,
            }
        )
    return runs


async def _visible_after(stores: Stores, author: int, followers: list[int], clock: _Clock) -> dict[str, Any]:
    """Post through the service and wait until every follower's timeline holds the post."""
    async with stores.engine.begin() as connection:
        media_id = await content.insert_ready_image(connection, author, clock.next())
    tl = feed_sources.timelines(stores)
    started = time.perf_counter()
    post = await posts.create_post(stores, author, posts.NewPost(media_ids=[media_id], caption="fan-out latency"))
    committed = time.perf_counter()
    waiting = list(followers)
    deadline = committed + VISIBLE_TIMEOUT_SECONDS
    while waiting and time.perf_counter() < deadline:
        holding = await tl.holders(waiting, post.id)
        waiting = [uid for uid in waiting if uid not in holding]
        if waiting:
            await asyncio.sleep(POLL_SECONDS)
    visible = time.perf_counter()
    return {
        "post_id": post.id,
        "create_post_ms": round((committed - started) * 1000, 1),
        "visible_ms": round((visible - started) * 1000, 1) if not waiting else None,
        "missing": len(waiting),
    }


async def _latency(
    settings: Settings, stores: Stores, author: int, followers: list[int], clock: _Clock
) -> dict[str, Any]:
    env = {**os.environ, "SHUTTER_CELEBRITY_THRESHOLD": str(stores.settings.celebrity_threshold)}
    worker = Child(["worker"], env, results.results_dir(settings) / "worker-fanout.log")
    try:
        # The first post also waits out the worker's start.
        first = await _visible_after(stores, author, followers, clock)
        if first["missing"]:
            raise RuntimeError(
                f"the worker fanned nothing out within {VISIBLE_TIMEOUT_SECONDS:.0f} s:\n{worker.log_tail()}"
            )
        runs = [await _visible_after(stores, author, followers, clock) for _ in range(LATENCY_RUNS)]
    finally:
        worker.stop()
    visible = [run["visible_ms"] for run in runs if run["visible_ms"] is not None]
    return {
        "runs": runs,
        "first_post_with_worker_start_ms": first["visible_ms"],
        "median_ms": statistics.median(visible) if visible else None,
        "max_ms": max(visible) if len(visible) == len(runs) else None,
    }


async def run(settings: Settings, spec: FanoutBenchSpec) -> dict[str, Any]:
    threshold = max(settings.celebrity_threshold, spec.followers + 1)
    stores = open_stores(settings.model_copy(update={"celebrity_threshold": threshold}))
    clock = _Clock()
    try:
        await bulk.patient(stores.graph, follows.GRAPH_TIMEOUT_SECONDS).ping()
        author, followers, seconds = await _prepare(stores, spec, clock)
        throughput = await _throughput(stores, author, followers, clock)
        latency = await _latency(settings, stores, author, followers, clock)
    finally:
        await stores.close()
    best = max((run["inserts_per_s"] or 0 for run in throughput), default=0)
    worst_ms = latency["max_ms"]
    checks = {
        "inserts_per_s": {"target": f">= {TARGET_INSERTS_PER_S}", "value": best, "pass": best >= TARGET_INSERTS_PER_S},
        "visible_ms": {
            "target": f"<= {TARGET_VISIBLE_MS}",
            "value": worst_ms,
            "pass": worst_ms is not None and worst_ms <= TARGET_VISIBLE_MS,
        },
    }
    return {
        "benchmark": "fanout",
        "machine": results.machine(),
        "dataset": results.read_dataset(settings),
        "followers": spec.followers,
        "celebrity_threshold_used": threshold,
        "setup_seconds": seconds,
        "throughput": throughput,
        "latency": latency,
        "targets": {**checks, "pass": all(check["pass"] for check in checks.values())},
    }
