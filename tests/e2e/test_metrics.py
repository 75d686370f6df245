"""``/metrics`` exposes the series operators watch, after a few requests and jobs."""

from __future__ import annotations

import asyncio
import re

import dramatiq
import httpx

from schema.relay import parse_global_id
from services.stores import Stores
from tests.e2e.client import Api
from tests.e2e.social import follow
from tests.e2e.test_feed import captions
from tests.integration.feedkit import post


def _value(text: str, series: str) -> float:
    """The sample of ``series`` (name plus labels, exactly as exposed); 0 when absent."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def _scrape(api: Api) -> str:
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_cover_requests_operations_jobs_and_the_feed(
    api: Api, stores: Stores, worker: dramatiq.Worker
) -> None:
    ann, bea = await api.sign_up("ann"), await api.sign_up("bea")
    await follow(api, bea, ann)  # owes a backfill job and a notification job
    await post(stores, parse_global_id(ann.id, "User", "id"))  # owes a fan-out
    for _ in range(2):
        await api.data("query FeedProbe { feed(first: 5) { edges { cursor } } }", token=bea.token)
    await api.post("query WhoAmI { feed { edges { cursor } } }")  # anonymous: UNAUTHENTICATED
    deadline = asyncio.get_running_loop().time() + 10
    # The lag is written by the fan-out job itself, its duration just after it ends: wait for both.
    wanted = ('shutter_job_duration_seconds_count{actor="fan_out_post"}', "shutter_fanout_lag_seconds_count ")
    while True:
        text = await _scrape(api)
        if all(series in text for series in wanted):
            break
        assert asyncio.get_running_loop().time() < deadline, "no job metrics after 10 s"
        await asyncio.sleep(0.1)
    # Operations are labelled by the root field they start with; client-chosen names are no label.
    assert _value(text, 'shutter_graphql_operation_duration_seconds_count{operation="query.feed",type="query"}') >= 3
    assert re.search(r'shutter_graphql_operation_duration_seconds_bucket\{[^}]*operation="query.feed"', text)
    assert 'operation="FeedProbe"' not in text
    assert _value(text, 'shutter_graphql_errors_total{code="UNAUTHENTICATED"}') >= 1
    assert _value(text, 'shutter_http_request_duration_seconds_count{method="POST",route="/graphql",status="200"}') >= 3
    assert _value(text, 'shutter_timeline_reads_total{result="miss"}') >= 1
    assert _value(text, 'shutter_timeline_reads_total{result="hit"}') >= 1
    assert 'shutter_dataloader_batch_size_count{loader="' in text
    assert _value(text, 'shutter_job_duration_seconds_count{actor="fan_out_post"}') >= 1
    assert _value(text, "shutter_fanout_lag_seconds_count") >= 1
    assert re.search(r"^shutter_outbox_backlog \d", text, re.MULTILINE)
    assert len(await captions(api, bea)) == 1


async def test_metrics_survive_hostile_operation_names(api: Api) -> None:
    names = [f"Op{n}" for n in range(5)]
    for name in names:
        await api.post(f'query {name} {{ user(username: "nobody") {{ username }} }}')
        await api.post(f"query {name}Typename {{ __typename }}")
    async with httpx.AsyncClient(base_url=str(api.http.base_url)) as client:
        await client.post("/graphql", json={"query": "query " + "x" * 100 + " { __typename }"})
        await client.post("/graphql", json={"query": "query Typo { nosuchfield }"})
    text = await _scrape(api)
    for name in names:
        assert f'operation="{name}' not in text
    assert _value(text, 'shutter_graphql_operation_duration_seconds_count{operation="query.user",type="query"}') >= 5
    # Nothing a client writes becomes a label: no root field of the schema, no label of its own.
    assert 'operation="unknown"' in text
    assert "nosuchfield" not in text
