"""Operations refused for their cost touch no store: the check runs on the document alone,
before the rate-limit bucket and before any resolver."""

from __future__ import annotations

import time

import pytest

from bench.roundtrips import count_round_trips
from schema import build_schema
from schema.context import in_process_context
from services.stores import Stores
from tests.e2e.test_query_cost import ALIASED, THREE_LEVELS, TWO_LEVELS


@pytest.mark.parametrize("query", [TWO_LEVELS, THREE_LEVELS, ALIASED], ids=["two-levels", "three-levels", "aliased"])
async def test_crafted_queries_are_refused_without_a_round_trip(stores: Stores, query: str) -> None:
    schema = build_schema(stores.settings)
    started = time.perf_counter()
    with count_round_trips(stores) as counted:
        result = await schema.execute(query, context_value=in_process_context(stores, None, "budget"))
    elapsed = time.perf_counter() - started
    assert result.data is None
    assert [(error.extensions or {}).get("code") for error in result.errors or []] == ["QUERY_TOO_COMPLEX"]
    assert counted.totals() == {"sql": 0, "checkouts": 0, "graph": 0, "redis": 0}, counted.report()
    assert elapsed < 0.1, f"{elapsed:.3f} s"


async def test_an_allowed_operation_spends_one_script_call(stores: Stores) -> None:
    schema = build_schema(stores.settings)
    with count_round_trips(stores) as counted:
        result = await schema.execute("{ __typename }", context_value=in_process_context(stores, None, "budget"))
    assert result.errors is None
    assert counted.totals() == {"sql": 0, "checkouts": 0, "graph": 0, "redis": 1}, counted.report()
