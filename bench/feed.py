"""`shutter bench feed`: home feed latency and throughput, hybrid fan-out against pull.

For each strategy an API server starts as a child process (SHUTTER_FEED_STRATEGY set),
every sampled user reads one page untimed (which also builds their timelines), then C
clients read pages for S seconds as random sampled users. Round trips per page are counted
in this process on a sample of the same requests, through the schema and instrumented stores.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from bench import content, http1, results
from bench.roundtrips import count_round_trips
from bench.servers import ApiServer
from schema import build_schema
from schema.context import in_process_context
from services import tokens
from services.stores import open_stores
from settings import Settings

STRATEGIES = ("hybrid", "pull")
PAGE_SIZE = 20
ROUND_TRIP_SAMPLE = 50
REQUEST_TIMEOUT_SECONDS = 30.0
TARGET_P99_MS = 50.0
TARGET_REQ_PER_S = 300.0
TARGET_P99_RATIO = 5.0
TARGET_CONCURRENCY = 8

FEED_QUERY = """
query BenchFeed($first: Int!) {
  feed(first: $first) {
    edges {
      cursor
      reason
      node {
        id caption createdAt likeCount commentCount viewerHasLiked
        author { id username }
        media { kind width height url(size: 320) }
        previewComments { id text author { username } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


@dataclass(frozen=True)
class FeedBenchSpec:
    concurrency: int = 8
    duration: float = 30.0
    users_sample: int = 500
    seed: int = 0
    processes: int = 1


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    empty_pages: int = 0
    first_error: str | None = None

    def record(self, started: float, problem: str | None, empty: bool) -> None:
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        if problem is not None:
            self.errors += 1
            self.first_error = self.first_error or problem
        elif empty:
            self.empty_pages += 1


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of ``values`` (0 < share <= 1)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def summary(tally: Tally, seconds: float) -> dict[str, Any]:
    latencies = tally.latencies_ms
    return {
        "requests": len(latencies),
        "req_per_s": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 2),
            "p95": round(percentile(latencies, 0.95), 2),
            "p99": round(percentile(latencies, 0.99), 2),
            "max": round(max(latencies, default=0.0), 2),
            "mean": round(statistics.fmean(latencies), 2) if latencies else 0.0,
        },
        "errors": tally.errors,
        "empty_pages": tally.empty_pages,
        "first_error": tally.first_error,
    }


def _problem(answer: http1.Answer) -> tuple[str | None, bool]:
    """What went wrong with one response (None when nothing did), and whether the page was empty."""
    if answer.status != 200:
        return f"HTTP {answer.status}: {answer.body[:200]!r}", False
    body = orjson.loads(answer.body)
    if body.get("errors"):
        return f"GraphQL: {body['errors'][0].get('message')}", False
    feed = (body.get("data") or {}).get("feed")
    if feed is None:
        return "GraphQL: no feed in the response", False
    return None, not feed["edges"]


async def _drive(
    ports: list[int], requests: dict[int, bytes], concurrency: int, *, seconds: float | None
) -> tuple[Tally, float]:
    """Random users' pages from ``concurrency`` clients for ``seconds``; with None, one page per user."""
    tally = Tally()
    users = list(requests)
    queue = users[:] if seconds is None else []
    rng = random.Random(len(users))
    started = time.perf_counter()
    deadline = started + (seconds or 0.0)

    async def client_loop(port: int) -> None:
        connection = http1.Connection("127.0.0.1", port, REQUEST_TIMEOUT_SECONDS)
        try:
            while True:
                if seconds is None:
                    if not queue:
                        return
                    user = queue.pop()
                elif time.perf_counter() >= deadline:
                    return
                else:
                    user = rng.choice(users)
                began = time.perf_counter()
                try:
                    problem, empty = _problem(await connection.send(requests[user]))
                except (OSError, TimeoutError, http1.ProtocolError, ValueError) as error:
                    problem, empty = f"{type(error).__name__}: {error}", False
                tally.record(began, problem, empty)
        finally:
            await connection.close()

    await asyncio.gather(*(client_loop(ports[n % len(ports)]) for n in range(concurrency)))
    return tally, time.perf_counter() - started


async def _round_trips(settings: Settings, strategy: str, users: list[int]) -> dict[str, float]:
    """Mean round trips per page, measured in this process over the same query."""
    stores = open_stores(settings.model_copy(update={"feed_strategy": strategy}))
    schema = build_schema(stores.settings)
    totals: dict[str, list[int]] = {}
    try:
        for user in users:
            token, _ = tokens.issue_access_token(stores.settings, user, "bench")
            context = in_process_context(stores, token, "bench")
            with count_round_trips(stores) as counted:
                result = await schema.execute(FEED_QUERY, variable_values={"first": PAGE_SIZE}, context_value=context)
            if result.errors:
                raise RuntimeError(f"feed failed in process: {result.errors[0].message}")
            for store, count in counted.totals().items():
                totals.setdefault(store, []).append(count)
    finally:
        await stores.close()
    means = {store: round(statistics.fmean(counts), 2) for store, counts in totals.items()}
    means["total"] = round(sum(means[store] for store in ("sql", "graph", "redis")), 2)
    return means


def _server_count(spec: FeedBenchSpec) -> int:
    """One server a process asked for, but never more than there are clients to serve."""
    return max(1, min(spec.processes, spec.concurrency))


async def _strategy(settings: Settings, strategy: str, spec: FeedBenchSpec, users: list[int]) -> dict[str, Any]:
    env = {**os.environ, "SHUTTER_FEED_STRATEGY": strategy, "SHUTTER_LOG_LEVEL": "WARNING"}
    # One server per process, each on its own port, the clients dealt out among them: with
    # one shared listening socket, whichever process wakes first takes the long-lived
    # connections, and the load would not be spread.
    logs = results.results_dir(settings)
    servers: list[ApiServer] = []
    try:
        for n in range(_server_count(spec)):
            servers.append(ApiServer(env, logs / f"server-{strategy}-{n}.log"))
        for server in servers:
            await asyncio.to_thread(server.wait_ready)
        body = orjson.dumps({"query": FEED_QUERY, "variables": {"first": PAGE_SIZE}})
        requests = {
            user: http1.prepare(
                "127.0.0.1",
                "/graphql",
                {
                    "Content-Type": "application/json",
                    "Accept": "application/graphql-response+json",
                    "Authorization": f"Bearer {tokens.issue_access_token(settings, user, 'bench')[0]}",
                },
                body,
            )
            for user in users
        }
        ports = [server.port for server in servers]
        warm, warm_seconds = await _drive(ports, requests, spec.concurrency, seconds=None)
        timed, seconds = await _drive(ports, requests, spec.concurrency, seconds=spec.duration)
    finally:
        for server in servers:
            server.stop()
    measured = summary(timed, seconds)
    measured["warm_up"] = {
        "requests": len(warm.latencies_ms),
        "seconds": round(warm_seconds, 2),
        "errors": warm.errors,
        "first_error": warm.first_error,
    }
    sample = random.Random(spec.seed).sample(users, min(ROUND_TRIP_SAMPLE, len(users)))
    measured["round_trips_per_request"] = await _round_trips(settings, strategy, sample)
    return measured


def _targets(concurrency: int, hybrid: dict[str, Any], pull: dict[str, Any]) -> dict[str, Any]:
    p99, pull_p99 = hybrid["latency_ms"]["p99"], pull["latency_ms"]["p99"]
    ratio = round(pull_p99 / p99, 2) if p99 else None
    checks = {
        "hybrid_p99_ms": {"target": f"<= {TARGET_P99_MS}", "value": p99, "pass": p99 <= TARGET_P99_MS},
        "hybrid_req_per_s": {
            "target": f">= {TARGET_REQ_PER_S}",
            "value": hybrid["req_per_s"],
            "pass": hybrid["req_per_s"] >= TARGET_REQ_PER_S,
        },
        "p99_ratio": {"target": f">= {TARGET_P99_RATIO}", "value": ratio, "pass": (ratio or 0) >= TARGET_P99_RATIO},
        "no_errors": {
            "target": 0,
            "value": hybrid["errors"] + pull["errors"],
            "pass": not (hybrid["errors"] + pull["errors"]),
        },
    }
    return {
        "concurrency": {
            "target": TARGET_CONCURRENCY,
            "value": concurrency,
            "comparable": concurrency == TARGET_CONCURRENCY,
        },
        **checks,
        "pass": all(check["pass"] for check in checks.values()),
    }


async def run(settings: Settings, spec: FeedBenchSpec) -> dict[str, Any]:
    stores = open_stores(settings)
    try:
        async with stores.engine.connect() as connection:
            users = await content.sample_active_users(connection, spec.users_sample, settings.feed_active_days)
    finally:
        await stores.close()
    if not users:
        raise RuntimeError("no active bench users: build a data set first (shutter seed --users N ...)")
    found: dict[str, dict[str, Any]] = {}
    for strategy in STRATEGIES:
        found[strategy] = await _strategy(settings, strategy, spec, users)
    hybrid, pull = found["hybrid"], found["pull"]
    return {
        "benchmark": "feed",
        "machine": results.machine(),
        "dataset": results.read_dataset(settings),
        "concurrency": spec.concurrency,
        "duration": spec.duration,
        "users_sample": len(users),
        "api_processes": _server_count(spec),
        "page_size": PAGE_SIZE,
        "results": found,
        "p99_ratio": round(pull["latency_ms"]["p99"] / hybrid["latency_ms"]["p99"], 2)
        if hybrid["latency_ms"]["p99"]
        else None,
        "targets": _targets(spec.concurrency, hybrid, pull),
    }
