"""The per-process budget of refused operations (schema/refusals.py)."""

from __future__ import annotations

import pytest

from schema import refusals
from schema.refusals import RefusalBudget


def test_a_client_has_its_refusals_then_waits_for_the_refill() -> None:
    budget = RefusalBudget(per_minute=3)
    assert [budget.take("a:1", now=0.0) for _ in range(3)] == [0, 0, 0]
    assert budget.take("a:1", now=0.0) == 20  # one token every 20 s
    assert budget.take("a:2", now=0.0) == 0  # another client is not held up
    assert budget.take("a:1", now=20.0) == 0
    assert budget.take("a:1", now=20.0) > 0


def test_the_bucket_never_holds_more_than_a_minute() -> None:
    budget = RefusalBudget(per_minute=2)
    budget.take("u:7", now=0.0)
    assert [budget.take("u:7", now=3600.0) for _ in range(3)] == [0, 0, 30]


def test_the_clients_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refusals, "MAX_CLIENTS", 3)
    budget = RefusalBudget(per_minute=1)
    for client in ("a", "b", "c", "d"):
        assert budget.take(client, now=0.0) == 0
    assert len(budget._buckets) == 3
    assert budget.take("a", now=0.0) == 0  # forgotten, so full again
    assert budget.take("d", now=0.0) > 0
