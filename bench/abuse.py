"""`shutter bench abuse`: the abuse-resistance criteria, checked over HTTP against a running API.

(1) Crafted queries (two and three nested 100-item connections, 25 aliased searches), each
sent N times anonymously and as a sampled bench user: every answer must be a coded JSON
refusal (QUERY_TOO_COMPLEX, HTTP 400) in under 100 ms. (2) Sampled users read their feed
alone, then while attackers send those queries without pause: the feed must keep answering,
its p50 and p99 at most 3x what they were. (3) A shape whose fields fail and cancel their
siblings, 500 times: never a 500 or non-JSON answer (a 504 at the deadline is JSON), and
then /readyz is 200 and a graph read answers at once (no leaked pool).

The server spends token buckets per user and per address, and bounds the refusals one
client may cause a minute; to measure the refusals themselves, start it with those raised:
  SHUTTER_RATE_LIMIT_ADDRESS_BURST=100000000 SHUTTER_RATE_LIMIT_ADDRESS_PER_SECOND=100000000
  SHUTTER_RATE_LIMIT_USER_BURST=100000000 SHUTTER_RATE_LIMIT_USER_PER_SECOND=100000000
  SHUTTER_REFUSED_OPERATIONS_PER_MINUTE=100000000
With the defaults, an attacker is answered RATE_LIMITED after its first refusals, which is
the point of them. RATE_LIMITED answers (429) are counted apart and reported; they never
count as latency.
"""

from __future__ import annotations

import asyncio
import collections
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from sqlalchemy import text

from bench import content, feed, http1, results
from graph import social as graph_social
from services import tokens
from services.stores import open_stores
from settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_TYPES = ("application/json", GRAPHQL_RESPONSE)
TOO_COMPLEX = "QUERY_TOO_COMPLEX"
INTERNAL = "INTERNAL_SERVER_ERROR"
RATE_LIMITED_STATUS = 429
REQUEST_TIMEOUT_SECONDS = 30.0
TARGET_REFUSAL_MS = 100.0
TARGET_FEED_SLOWDOWN = 3.0  # feed p50 and p99 under attack, against alone
TARGET_GRAPH_READ_MS = 1000.0
READY_WAIT_SECONDS = 60.0
READY_POLL_SECONDS = 0.5
RATE_LIMIT_NOTE = "the server's token buckets refused some requests: raise SHUTTER_RATE_LIMIT_* (bench/abuse.py)"
HEADERS = {"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE}


@dataclass(frozen=True)
class AbuseBenchSpec:
    url: str
    repeats: int = 20  # of each crafted query, anonymous and signed in
    users_sample: int = 50
    seconds: float = 5.0  # of feed reading, alone and under attack
    readers: int = 2
    attackers: int = 4
    leak_requests: int = 500
    leak_concurrency: int = 50
    username: str | None = None  # the account with many follows; else the sample's busiest


def _nested(heads: list[str], leaf: str) -> str:
    """Connections nested in ``heads`` order: a { edges { node { b { edges { node { leaf } } } } } }."""
    for head in reversed(heads):
        leaf = f"{head} {{ edges {{ node {{ {leaf} }} }} }}"
    return leaf


def crafted_queries(username: str) -> dict[str, dict[str, str]]:
    """Each crafted query, as the viewer (signed in) and about ``username`` (anonymous)."""
    wide = "(first: 100)"
    two = _nested([f"following{wide}", f"followers{wide}"], "username followerCount")
    three = _nested([f"following{wide}", f"followers{wide}", f"followers{wide}"], "username")
    search = _nested(['searchUsers(query: "a", first: 100)', f"followers{wide}"], "username")
    aliased = "{ " + " ".join(f"a{n}: {search}" for n in range(25)) + " }"
    about = f"user(username: {json.dumps(username)})"
    return {
        "two": {"signed_in": f"{{ viewer {{ {two} }} }}", "anonymous": f"{{ {about} {{ {two} }} }}"},
        "three": {"signed_in": f"{{ viewer {{ {three} }} }}", "anonymous": f"{{ {about} {{ {three} }} }}"},
        "aliased": {"signed_in": aliased, "anonymous": aliased},
    }


def leaking_query(username: str) -> str:
    """Each followed account's bad cursor fails at once and cancels its sibling's graph read."""
    inner = (
        _nested(["following(first: 1)"], "username") + " " + _nested(['followers(first: 1, after: "bad")'], "username")
    )
    return f"{{ user(username: {json.dumps(username)}) {{ {_nested(['following(first: 100)'], inner)} }} }}"


def graph_read(username: str) -> str:
    return (
        f"{{ user(username: {json.dumps(username)}) {{ followerCount following(first: 3) {{ edges {{ cursor }} }} }} }}"
    )


@dataclass
class Answers:
    """What one kind of request got back: statuses, error codes, media types, latency."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    codes: collections.Counter[str] = field(default_factory=collections.Counter)
    non_json: int = 0
    first_problem: str | None = None

    def record(self, started: float, status: int, body: bytes, content_type: str | None) -> None:
        """``content_type`` None: not known to this client, the body alone is judged."""
        if status != RATE_LIMITED_STATUS:
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.statuses[str(status)] += 1
        try:
            errors = orjson.loads(body).get("errors") or []
            self.codes.update(str((error.get("extensions") or {}).get("code")) for error in errors)
        except (ValueError, AttributeError):
            errors, content_type = [], "unreadable"
        if content_type is not None and content_type.split(";")[0].strip() not in JSON_TYPES:
            self.non_json += 1
            self.first_problem = self.first_problem or f"HTTP {status} {content_type}: {body[:200]!r}"

    def failed(self, error: BaseException) -> None:
        self.statuses[type(error).__name__] += 1
        self.first_problem = self.first_problem or f"{type(error).__name__}: {error}"

    @property
    def count(self) -> int:
        return sum(self.statuses.values())

    def only(self, status: int, code: str | None) -> bool:
        """Every answer had this status and, when given, only this error code."""
        return self.statuses == {str(status): self.count} and (code is None or set(self.codes) == {code})

    def as_dict(self) -> dict[str, Any]:
        latencies = self.latencies_ms
        return {
            "requests": self.count,
            "statuses": dict(self.statuses),
            "codes": dict(self.codes),
            "non_json": self.non_json,
            "rate_limited": self.statuses[str(RATE_LIMITED_STATUS)],
            "latency_ms": {
                "p50": round(feed.percentile(latencies, 0.50), 2),
                "p99": round(feed.percentile(latencies, 0.99), 2),
                "max": round(max(latencies, default=0.0), 2),
            },
            "first_problem": self.first_problem,
        }


async def _post(http: httpx.AsyncClient, answers: Answers, query: str, token: str | None) -> None:
    headers = {"Accept": GRAPHQL_RESPONSE} | ({"Authorization": f"Bearer {token}"} if token else {})
    started = time.perf_counter()
    try:
        response = await http.post("/graphql", json={"query": query}, headers=headers)
    except httpx.HTTPError as error:
        answers.failed(error)
        return
    answers.record(started, response.status_code, response.content, response.headers.get("content-type", ""))


def _prepared(target: httpx.URL, query: str, variables: dict[str, Any] | None, token: str | None) -> bytes:
    headers = HEADERS | ({"Authorization": f"Bearer {token}"} if token else {})
    return http1.prepare(target.host, "/graphql", headers, orjson.dumps({"query": query, "variables": variables}))


Seen = Callable[[float, http1.Answer | BaseException], None]


async def _loop(
    target: httpx.URL, requests: list[bytes], see: Seen, *, start: int = 0, until: asyncio.Event | None = None
) -> None:
    """Send ``requests`` in turn over one keep-alive connection, each once (``until`` None) or
    round and round from ``start`` until ``until`` is set; ``see(started, answer or error)``."""
    connection = http1.Connection(target.host, target.port or 80, REQUEST_TIMEOUT_SECONDS)
    try:
        n = start
        while not until.is_set() if until is not None else n < len(requests):
            request, n = requests[n % len(requests)], n + 1
            started = time.perf_counter()
            try:
                see(started, await connection.send(request))
            except (OSError, TimeoutError, http1.ProtocolError) as error:
                see(started, error)
    finally:
        await connection.close()


def _feed_problem(answer: http1.Answer) -> str | None:
    try:
        failed = answer.status != 200 or bool(orjson.loads(answer.body).get("errors"))
    except (ValueError, AttributeError):
        failed = True
    return f"HTTP {answer.status}: {answer.body[:200]!r}" if failed else None


async def _read_feeds(target: httpx.URL, pages: list[bytes], readers: int, seconds: float | None) -> dict[str, Any]:
    """Feed pages from ``readers`` clients, each sampled user once (``seconds`` None) or for ``seconds``."""
    tally, limited = feed.Tally(), collections.Counter[str]()

    def see(started: float, answer: http1.Answer | BaseException) -> None:
        if isinstance(answer, BaseException):
            tally.record(started, f"{type(answer).__name__}: {answer}", False)
        elif answer.status == RATE_LIMITED_STATUS:
            limited["feed"] += 1
        else:
            tally.record(started, _feed_problem(answer), False)

    stop = asyncio.Event()
    began = time.perf_counter()
    if seconds is None:
        loops = [_loop(target, pages[n::readers], see) for n in range(readers)]
    else:
        loops = [_loop(target, pages, see, start=n * len(pages) // readers, until=stop) for n in range(readers)]
    tasks = [asyncio.ensure_future(loop) for loop in loops]
    if seconds is not None:
        await asyncio.sleep(seconds)
        stop.set()
    await asyncio.gather(*tasks)
    summary = feed.summary(tally, time.perf_counter() - began)
    summary.pop("empty_pages")
    return summary | {"rate_limited": limited["feed"]}


async def _under_attack(
    target: httpx.URL, pages: list[bytes], attacks: list[bytes], spec: AbuseBenchSpec
) -> dict[str, Any]:
    answers, stop = Answers(), asyncio.Event()

    def see(started: float, answer: http1.Answer | BaseException) -> None:
        if isinstance(answer, BaseException):
            answers.failed(answer)
        else:
            answers.record(started, answer.status, answer.body, None)

    attackers = [asyncio.ensure_future(_loop(target, attacks, see, start=n, until=stop)) for n in range(spec.attackers)]
    try:
        await asyncio.sleep(0.5)  # the attack in full swing before the clock starts
        reading = await _read_feeds(target, pages, spec.readers, spec.seconds)
    finally:
        stop.set()
        await asyncio.gather(*attackers)
    coded = answers.only(400, TOO_COMPLEX) and not answers.non_json
    return {"feed": reading, "attack": answers.as_dict() | {"coded": coded}}


async def _sample(settings: Settings, spec: AbuseBenchSpec) -> tuple[list[int], str, int]:
    """Sampled active users, and the account the leaking shape reads: ``spec.username``, else
    the sampled user who follows the most accounts; with how many it follows."""
    stores = open_stores(settings)
    try:
        async with stores.engine.connect() as connection:
            users = await content.sample_active_users(connection, spec.users_sample, settings.feed_active_days)
            if not users:
                raise RuntimeError("no active bench users: build a data set first (shutter seed --users N ...)")
            named = await connection.execute(
                text("SELECT id, username FROM users WHERE id = ANY(CAST(:ids AS bigint[])) OR username = :name"),
                {"ids": users, "name": spec.username or ""},
            )
            usernames = {int(uid): str(name) for uid, name in named}
        candidates = [uid for uid, name in usernames.items() if name == spec.username] if spec.username else users
        if not candidates:
            raise RuntimeError(f"no user named {spec.username}")
        counts = await graph_social.follow_counts(stores.graph, candidates)
    finally:
        await stores.close()
    subject = max(candidates, key=lambda uid: counts[uid][1])
    return users, usernames[subject], counts[subject][1]


async def _crafted(
    http: httpx.AsyncClient, queries: dict[str, dict[str, str]], token: str, repeats: int
) -> dict[str, dict[str, Answers]]:
    found: dict[str, dict[str, Answers]] = {}
    for name, variants in queries.items():
        for variant, query in variants.items():
            answers = Answers()
            for _ in range(repeats):
                await _post(http, answers, query, token if variant == "signed_in" else None)
            found.setdefault(name, {})[variant] = answers
    return found


async def _ready(http: httpx.AsyncClient) -> int | str:
    try:
        return (await http.get("/readyz")).status_code
    except httpx.HTTPError as error:
        return type(error).__name__


async def _leak(http: httpx.AsyncClient, username: str, spec: AbuseBenchSpec) -> dict[str, Any]:
    answers, query = Answers(), leaking_query(username)
    for start in range(0, spec.leak_requests, spec.leak_concurrency):
        batch = min(spec.leak_concurrency, spec.leak_requests - start)
        await asyncio.gather(*(_post(http, answers, query, None) for _ in range(batch)))
    started = time.perf_counter()
    ready = await _ready(http)
    ready_ms = (time.perf_counter() - started) * 1000
    read = Answers()
    await _post(http, read, graph_read(username), None)
    # Not ready at once: a pool still busy recovers, a leaked one does not.
    again, waited = ready, ready_ms / 1000
    while again != 200 and waited < READY_WAIT_SECONDS:
        await asyncio.sleep(READY_POLL_SECONDS)
        again, waited = await _ready(http), time.perf_counter() - started
    return {
        "requests": answers.as_dict() | {"concurrency": spec.leak_concurrency},
        "readyz": {
            "status": ready,
            "ms": round(ready_ms, 2),
            "ready_after_ms": round(waited * 1000) if again == 200 else None,
        },
        "graph_read": read.as_dict() | {"clean": read.only(200, None) and not read.codes},
    }


def _criteria(crafted: dict[str, dict[str, Answers]], attack: dict[str, Any], leak: dict[str, Any]) -> dict[str, Any]:
    refusals = [answers for variants in crafted.values() for answers in variants.values()]
    slowest = max((max(answers.latencies_ms, default=0.0) for answers in refusals), default=0.0)
    coded = all(answers.only(400, TOO_COMPLEX) and not answers.non_json for answers in refusals)
    alone, loaded = attack["alone"], attack["under_attack"]["feed"]
    ratios = [attack["p50_ratio"], attack["p99_ratio"]]
    coded_attack = attack["under_attack"]["attack"]["coded"]
    served = not alone["errors"] and not loaded["errors"] and loaded["requests"] > 0 and coded_attack
    requests, read = leak["requests"], leak["graph_read"]
    # A 504 is the deadline's coded JSON answer; a 500 is what must never happen.
    whole = not requests["non_json"] and "500" not in requests["statuses"] and INTERNAL not in requests["codes"]
    read_ms = read["latency_ms"]["max"]
    return {
        "crafted_refused_fast": {
            "target": f"HTTP 400 {TOO_COMPLEX} as JSON, each < {TARGET_REFUSAL_MS:.0f} ms",
            "value": {"all_coded_json": coded, "slowest_ms": round(slowest, 2)},
            "passed": coded and slowest < TARGET_REFUSAL_MS,
        },
        "serves_others_under_attack": {
            "target": f"feed answers without error, attacks refused as coded JSON, "
            f"feed p50 and p99 under attack <= {TARGET_FEED_SLOWDOWN}x alone",
            "value": {
                "p50_ratio": ratios[0],
                "p99_ratio": ratios[1],
                "feed_errors": alone["errors"] + loaded["errors"],
                "attack_coded_json": coded_attack,
            },
            "passed": served and all(ratio is not None and ratio <= TARGET_FEED_SLOWDOWN for ratio in ratios),
        },
        "pool_survives_cancellations": {
            "target": f"JSON, never a 500; then /readyz 200 and a graph read < {TARGET_GRAPH_READ_MS:.0f} ms",
            "value": {"statuses": requests["statuses"], "readyz": leak["readyz"]["status"], "graph_read_ms": read_ms},
            "passed": whole and leak["readyz"]["status"] == 200 and read["clean"] and read_ms < TARGET_GRAPH_READ_MS,
        },
    }


def _ratio(attacked: float, alone: float) -> float | None:
    return round(attacked / alone, 2) if alone else None


async def run(settings: Settings, spec: AbuseBenchSpec) -> dict[str, Any]:
    users, subject, following = await _sample(settings, spec)
    user_tokens = [tokens.issue_access_token(settings, user, "bench")[0] for user in users]
    target = httpx.URL(spec.url)
    queries = crafted_queries(subject)
    kinds = [(variant, query) for variants in queries.values() for variant, query in variants.items()]
    attacks = [
        _prepared(target, query, None, user_tokens[n % len(user_tokens)] if variant == "signed_in" else None)
        for n, (variant, query) in enumerate(kinds)
    ]
    pages = [_prepared(target, feed.FEED_QUERY, {"first": feed.PAGE_SIZE}, token) for token in user_tokens]
    async with httpx.AsyncClient(base_url=spec.url, timeout=REQUEST_TIMEOUT_SECONDS) as http:
        # Untimed: a process's first httpx request pays over 100 ms for the client's own set-up.
        await _ready(http)
        crafted = await _crafted(http, queries, user_tokens[0], spec.repeats)
        warm_up = await _read_feeds(target, pages, spec.readers, None)  # builds the sampled timelines
        alone = await _read_feeds(target, pages, spec.readers, spec.seconds)
        under_attack = await _under_attack(target, pages, attacks, spec)
        leak = await _leak(http, subject, spec)
    attacked = under_attack["feed"]["latency_ms"]
    attack = {
        "readers": spec.readers,
        "attackers": spec.attackers,
        "seconds": spec.seconds,
        "warm_up": {key: warm_up[key] for key in ("requests", "errors", "rate_limited", "first_error")},
        "alone": alone,
        "under_attack": under_attack,
        "p50_ratio": _ratio(attacked["p50"], alone["latency_ms"]["p50"]),
        "p99_ratio": _ratio(attacked["p99"], alone["latency_ms"]["p99"]),
    }
    criteria = _criteria(crafted, attack, leak)
    limited = sum(
        part["rate_limited"]
        for part in (warm_up, alone, under_attack["feed"], under_attack["attack"], leak["requests"], leak["graph_read"])
    )
    return {
        "benchmark": "abuse",
        "machine": results.machine(),
        "dataset": results.read_dataset(settings),
        "server": spec.url,
        "users_sample": len(users),
        "subject": {"username": subject, "following": following},
        "crafted": {
            name: {kind: answers.as_dict() for kind, answers in found.items()} for name, found in crafted.items()
        },
        "feed_under_attack": attack,
        "pool_leak": leak,
        "rate_limited": limited,
        "rate_limit_note": RATE_LIMIT_NOTE if limited else None,
        "criteria": criteria,
        "passed": all(criterion["passed"] for criterion in criteria.values()),
    }
