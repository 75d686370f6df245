"""`shutter seed --users N ...`: a synthetic, power-law social data set to measure the feed on.

Users, posts, media and comments go to PostgreSQL in set-based statements (bench/content.py);
the follow graph is drawn here and loaded in large batches (bench/follows.py). Everything is
derived from the spec's seed, so two builds with one spec are the same data set.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from bench import content, follows
from graph import social as graph_social
from graph.constraints import ensure_constraints
from services import accounts, follow_counts
from services.stores import Stores, open_stores
from settings import Settings

BENCH_PASSWORD = "shutter-bench"  # every bench user's password
POST_BATCH = 50_000  # posts per statement
POST_CONCURRENCY = 2  # statements in flight, one per core
DEFAULT_CELEBRITY_THRESHOLD = 10_000


class DatasetExists(Exception):
    """Bench users are already there; build with reset to replace them."""


@dataclass(frozen=True)
class DatasetSpec:
    users: int
    avg_follows: float
    posts: int
    celebrities: int = 5
    celebrity_share: float = 0.6  # of all users following each celebrity
    comment_share: float = 0.2  # of posts with two comments
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.users < self.celebrities + 2:
            problems.append("users must exceed celebrities by at least 2")
        if self.celebrities < 0 or self.posts < 0 or self.avg_follows < 0:
            problems.append("counts cannot be negative")
        if content.post_gap_ms(self.posts) < content.MIN_POST_GAP_MS:
            problems.append("too many posts to give each its own millisecond")
        if not (0 <= self.celebrity_share <= 1 and 0 <= self.comment_share <= 1):
            problems.append("shares lie between 0 and 1")
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class Celebrity:
    id: int
    username: str
    followers: int


@dataclass(frozen=True)
class DatasetSummary:
    spec: DatasetSpec
    users: int
    follows: int
    posts: int
    media: int
    comments: int
    hashtags: int
    celebrities: tuple[Celebrity, ...]
    celebrity_threshold: int
    most_followed_regular: int  # followers of the best-followed user who is not a celebrity
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def time(self, phase: str, started: float) -> None:
        self.seconds[phase] = round(time.perf_counter() - started, 2)


async def bench_password_hash(settings: Settings) -> str:
    """One Argon2 hash of BENCH_PASSWORD, made by the hasher sign-up uses, for every bench user."""
    hasher, _ = accounts._hasher(settings)
    return await asyncio.to_thread(hasher.hash, BENCH_PASSWORD)


async def existing_users(stores: Stores) -> list[int]:
    async with stores.engine.connect() as connection:
        return await content.bench_user_ids(connection)


async def reset(stores: Stores, clock: _Clock | None = None) -> int:
    """Remove earlier bench users, what they posted and their graph nodes; how many users went."""
    clock = clock or _Clock()
    ids = await existing_users(stores)
    if not ids:
        return 0
    started = time.perf_counter()
    await follows.delete_users(stores.graph, ids)
    clock.time("reset_graph", started)
    started = time.perf_counter()
    async with stores.engine.begin() as connection:
        await content.delete_bench_rows(connection)
    await follow_counts.invalidate(stores, *ids)
    clock.time("reset_rows", started)
    return len(ids)


async def _load_posts(stores: Stores, spec: DatasetSpec, authors: list[int], now_ms: int) -> content.Loaded:
    widths = tuple(stores.settings.image_variant_widths)
    gate = asyncio.Semaphore(POST_CONCURRENCY)

    async def one(index: int, first: int) -> content.Loaded:
        batch = content.PostBatch(
            first=first,
            last=min(first + POST_BATCH, spec.posts),
            total=spec.posts,
            now_ms=now_ms,
            comment_share=spec.comment_share,
            variant_widths=widths,
        )
        # Each batch seeds PostgreSQL's generator itself: same spec, same rows, in any order.
        seed = random.Random(f"{spec.seed}/{index}").random()
        async with gate, stores.engine.begin() as connection:
            return await content.insert_posts(connection, batch, authors, seed)

    loaded = await asyncio.gather(*(one(i, first) for i, first in enumerate(range(0, spec.posts, POST_BATCH))))
    return sum(loaded, content.Loaded())


async def build(stores: Stores, spec: DatasetSpec, *, reset_first: bool = False) -> DatasetSummary:
    """Load the data set described by ``spec``; refuses when bench users exist unless ``reset_first``."""
    clock = _Clock()
    began = time.perf_counter()
    if reset_first:
        await reset(stores, clock)
    elif await existing_users(stores):
        raise DatasetExists("bench users already exist; pass --reset to replace them")

    now_ms = content.now_ms()
    started = time.perf_counter()
    password_hash = await bench_password_hash(stores.settings)
    async with stores.engine.begin() as connection:
        usernames = await content.insert_users(
            connection,
            spec.users,
            password_hash,
            first_number=1,
            start_ms=now_ms - content.USERS_SINCE_DAYS * content.DAY_MS,
            gap_ms=content.user_gap_ms(spec.users),
        )
    ids = sorted(usernames)
    clock.time("users", started)

    started = time.perf_counter()
    rng = random.Random(spec.seed)
    ranked = ids[:]
    rng.shuffle(ranked)  # popularity order: who gets followed
    authors = ids[:]
    rng.shuffle(authors)  # activity order: who posts most
    plan = follows.plan_follows(
        ranked,
        avg_follows=spec.avg_follows,
        celebrities=spec.celebrities,
        celebrity_share=spec.celebrity_share,
        seed=rng.randrange(2**32),
        now_ms=now_ms,
    )
    clock.time("plan_follows", started)

    async def graph_phase() -> None:
        started = time.perf_counter()
        await follows.load_users(stores.graph, ids)
        clock.time("graph_users", started)
        started = time.perf_counter()
        await follows.load_follows(stores.graph, plan.edges)
        clock.time("graph_follows", started)

    async def posts_phase() -> content.Loaded:
        started = time.perf_counter()
        loaded = await _load_posts(stores, spec, authors, now_ms)
        clock.time("posts", started)
        return loaded

    started = time.perf_counter()
    _, loaded = await asyncio.gather(graph_phase(), posts_phase())
    clock.time("graph_and_posts", started)
    started = time.perf_counter()
    async with stores.engine.begin() as connection:
        await content.analyze(connection)
    clock.time("analyze", started)

    counts = await graph_social.follow_counts(stores.graph, plan.celebrities)
    in_degree: dict[int, int] = {}
    for _, followee, _ in plan.edges:
        in_degree[followee] = in_degree.get(followee, 0) + 1
    stars = set(plan.celebrities)
    clock.time("total", began)
    return DatasetSummary(
        spec=spec,
        users=len(ids),
        follows=len(plan.edges),
        posts=loaded.posts,
        media=loaded.media,
        comments=loaded.comments,
        hashtags=loaded.hashtags,
        celebrities=tuple(Celebrity(uid, usernames[uid], counts[uid][0]) for uid in plan.celebrities),
        celebrity_threshold=int(getattr(stores.settings, "celebrity_threshold", DEFAULT_CELEBRITY_THRESHOLD)),
        most_followed_regular=max((n for uid, n in in_degree.items() if uid not in stars), default=0),
        seconds=clock.seconds,
    )


async def run(settings: Settings, spec: DatasetSpec, *, reset_first: bool = False) -> DatasetSummary:
    """Open the stores, make sure the graph's constraints exist, build, close."""
    stores = open_stores(settings)
    try:
        await ensure_constraints(stores.graph)
        return await build(stores, spec, reset_first=reset_first)
    finally:
        await stores.close()
