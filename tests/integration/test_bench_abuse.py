"""`shutter bench abuse` over HTTP against a live server of the test stack's, on a small data set."""

from __future__ import annotations

import dataclasses
from typing import Any

from bench import abuse, dataset
from cli import parser
from services.stores import Stores
from settings import Settings
from tests.e2e.conftest import live_server_with

DATA = dataset.DatasetSpec(users=60, avg_follows=6, posts=600, celebrities=1, celebrity_share=0.5, seed=5)
RAISED = {
    "rate_limit_address_burst": 100_000_000,
    "rate_limit_address_per_second": 100_000_000.0,
    "rate_limit_user_burst": 100_000_000,
    "rate_limit_user_per_second": 100_000_000.0,
}
SMALL = abuse.AbuseBenchSpec(
    url="",  # the live server's, set per run
    repeats=3,
    users_sample=10,
    seconds=0.5,
    readers=1,
    attackers=1,
    leak_requests=40,
    leak_concurrency=10,
)


async def _run(settings: Settings, **overrides: Any) -> dict[str, Any]:
    with live_server_with(settings, **overrides) as server:
        return await abuse.run(settings, dataclasses.replace(SMALL, url=server.url))


async def test_every_criterion_is_measured_and_met_on_a_small_data_set(stores: Stores, settings: Settings) -> None:
    await dataset.build(stores, DATA)
    found = await _run(settings, **RAISED)

    assert found["benchmark"] == "abuse"
    assert found["users_sample"] == SMALL.users_sample
    assert found["subject"]["following"] > 0
    for name in ("two", "three", "aliased"):
        for variant in ("anonymous", "signed_in"):
            answers = found["crafted"][name][variant]
            assert answers["requests"] == SMALL.repeats
            assert answers["statuses"] == {"400": SMALL.repeats}
            assert answers["codes"] == {"QUERY_TOO_COMPLEX": SMALL.repeats}
            assert answers["non_json"] == 0
            assert 0 < answers["latency_ms"]["p50"] <= answers["latency_ms"]["max"] < abuse.TARGET_REFUSAL_MS

    attack = found["feed_under_attack"]
    assert attack["warm_up"]["requests"] == SMALL.users_sample
    for reading in (attack["alone"], attack["under_attack"]["feed"]):
        assert reading["requests"] > 0
        assert reading["errors"] == 0, reading["first_error"]
    assert attack["under_attack"]["attack"]["requests"] > 0
    assert attack["under_attack"]["attack"]["coded"]
    assert attack["p99_ratio"] is not None

    leak = found["pool_leak"]
    # Every answer is partial data: the bad cursors fail, their siblings are cancelled.
    assert leak["requests"]["statuses"] == {"200": SMALL.leak_requests}
    assert leak["requests"]["codes"]
    assert leak["readyz"]["status"] == 200
    assert leak["readyz"]["ready_after_ms"] is not None
    assert leak["graph_read"]["clean"]

    assert found["rate_limited"] == 0
    assert found["rate_limit_note"] is None
    assert set(found["criteria"]) == {
        "crafted_refused_fast",
        "serves_others_under_attack",
        "pool_survives_cancellations",
    }
    assert all(criterion["passed"] for criterion in found["criteria"].values()), found["criteria"]
    assert found["passed"]


async def test_rate_limited_answers_are_counted_apart(stores: Stores, settings: Settings) -> None:
    await dataset.build(stores, DATA)
    found = await _run(settings, rate_limit_user_burst=1, rate_limit_user_per_second=0.001)

    # Refused on cost before any bucket is spent: still coded, never RATE_LIMITED.
    assert found["criteria"]["crafted_refused_fast"]["passed"]
    attack = found["feed_under_attack"]
    assert attack["alone"]["rate_limited"] > 0
    assert attack["alone"]["errors"] == attack["under_attack"]["feed"]["errors"] == 0
    assert found["rate_limited"] >= attack["alone"]["rate_limited"]
    assert found["rate_limit_note"]


def test_the_abuse_bench_command_parses() -> None:
    args = parser().parse_args(["bench", "abuse", "--url", "http://127.0.0.1:9", "--repeats", "3", "--attackers", "2"])
    assert (args.url, args.repeats, args.attackers, args.leak_requests, args.username) == (
        "http://127.0.0.1:9",
        3,
        2,
        500,
        None,
    )
