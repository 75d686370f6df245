"""Metrics: what each process measures, and what workers share through Redis.

API-side series (HTTP and GraphQL latency, errors by code, dataloader batch sizes, timeline
cache hits and misses) live in the process that serves ``/metrics``. Job and fan-out series
are measured in worker processes, possibly on other machines, so those add into Redis hashes
that any API process renders at scrape time; the outbox backlog is counted then too.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0)
LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)

HTTP_LATENCY = Histogram(
    "shutter_http_request_duration_seconds",
    "HTTP requests by method, route and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
GRAPHQL_LATENCY = Histogram(
    "shutter_graphql_operation_duration_seconds",
    "GraphQL operations by operation name and type.",
    ["operation", "type"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
GRAPHQL_ERRORS = Counter("shutter_graphql_errors", "Top-level GraphQL errors by code.", ["code"], registry=REGISTRY)
LOADER_BATCH = Histogram(
    "shutter_dataloader_batch_size",
    "Keys per dataloader batch.",
    ["loader"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
    registry=REGISTRY,
)
TIMELINE_READS = Counter(
    "shutter_timeline_reads", "Feed pages by where their timeline came from.", ["result"], registry=REGISTRY
)

# Client-chosen operation names become labels: keep them sane and few.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_OPERATION_NAMES = 200
_names: set[str] = set()
_names_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "invalid"
    with _names_lock:
        if name in _names:
            return name
        if len(_names) >= MAX_OPERATION_NAMES:
            return "other"
        _names.add(name)
        return name


# Shared series: one Redis hash each. Fields: "<label>|count", "<label>|sum", "<label>|le=<b>".
JOBS = "metrics:jobs:duration"
JOB_FAILURES = "metrics:jobs:failures"
JOB_RETRIES = "metrics:jobs:retries"
FANOUT_LAG = "metrics:fanout:lag"


def _histogram_fields(label: str, value: float, buckets: Sequence[float]) -> Iterator[tuple[str, float]]:
    yield f"{label}|count", 1
    yield f"{label}|sum", value
    for bound in buckets:
        if value <= bound:
            yield f"{label}|le={bound}", 1


def record_job(redis: SyncRedis, actor: str, seconds: float, *, failed: bool, retried: bool) -> None:
    """From a worker thread: one job's duration, and whether it failed or will be retried."""
    try:
        pipe = redis.pipeline(transaction=True)  # one observation lands whole (a scrape may run now)
        for field, amount in _histogram_fields(actor, seconds, JOB_BUCKETS):
            pipe.hincrbyfloat(JOBS, field, amount)
        if failed:
            pipe.hincrby(JOB_FAILURES, actor, 1)
        if retried:
            pipe.hincrby(JOB_RETRIES, actor, 1)
        pipe.execute()
    except RedisError:
        log.warning("redis unavailable; job metrics not recorded", extra={"actor": actor})


async def observe_fanout_lag(redis: Redis, seconds: float) -> None:
    """Post created -> the last follower's timeline written."""
    try:
        async with redis.pipeline(transaction=True) as pipe:
            for field, amount in _histogram_fields("all", seconds, LAG_BUCKETS):
                pipe.hincrbyfloat(FANOUT_LAG, field, amount)
            await pipe.execute()
    except RedisError:
        log.warning("redis unavailable; fan-out lag not recorded")


async def shared_snapshot(redis: Redis) -> dict[str, dict[str, float]]:
    async with redis.pipeline(transaction=False) as pipe:
        for key in (JOBS, JOB_FAILURES, JOB_RETRIES, FANOUT_LAG):
            pipe.hgetall(key)
        replies = await pipe.execute()
    return {
        key: {_text(field): float(value) for field, value in reply.items()}
        for key, reply in zip((JOBS, JOB_FAILURES, JOB_RETRIES, FANOUT_LAG), replies, strict=True)
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class SharedCollector(Collector):
    """Renders a snapshot of the shared series, and the outbox backlog, for one scrape."""

    def __init__(self, snapshot: dict[str, dict[str, float]], outbox_backlog: int | None) -> None:
        self.snapshot = snapshot
        self.outbox_backlog = outbox_backlog

    def collect(self) -> Iterable[Metric]:
        yield _histogram(
            "shutter_job_duration_seconds", "Job durations by actor.", "actor", self.snapshot[JOBS], JOB_BUCKETS
        )
        for name, key, text in (
            ("shutter_job_failures", JOB_FAILURES, "Jobs that raised, by actor."),
            ("shutter_job_retries", JOB_RETRIES, "Jobs sent again after failing, by actor."),
        ):
            family = CounterMetricFamily(name, text, labels=["actor"])
            for actor, value in sorted(self.snapshot[key].items()):
                family.add_metric([actor], value)
            yield family
        yield _histogram(
            "shutter_fanout_lag_seconds",
            "From a post's creation to its last follower's timeline write.",
            None,
            self.snapshot[FANOUT_LAG],
            LAG_BUCKETS,
        )
        if self.outbox_backlog is not None:
            backlog = GaugeMetricFamily("shutter_outbox_backlog", "Outbox rows whose job has not succeeded yet.")
            backlog.add_metric([], self.outbox_backlog)
            yield backlog


def _histogram(
    name: str, text: str, label: str | None, fields: dict[str, float], buckets: Sequence[float]
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, text, labels=[label] if label else [])
    values = sorted({field.split("|", 1)[0] for field in fields})
    for value in values:
        cumulative = [(str(bound), fields.get(f"{value}|le={bound}", 0.0)) for bound in buckets]
        count = fields.get(f"{value}|count", 0.0)
        family.add_metric(
            [value] if label else [], [*cumulative, ("+Inf", count)], sum_value=fields.get(f"{value}|sum", 0.0)
        )
    return family
