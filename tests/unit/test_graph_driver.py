"""Graph calls: callers may leave at any moment, the driver call runs on; dead pool slots are freed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

import neo4j
import pytest
from neo4j.exceptions import IncompleteCommit, ServiceUnavailable

from graph import Graph, GraphUnavailable

OK: list[Any] = [{"ok": 1}]


class FakeDriver:
    """Answers each execute_query with the next outcome: records, an exception, or a wait."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0
        self.finished = 0
        self.cancelled = 0
        self.closed = False

    async def execute_query(self, query: str, params: dict[str, Any], **_: Any) -> tuple[Any, None, None]:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        try:
            if isinstance(outcome, asyncio.Event):
                await outcome.wait()
                outcome = OK
            elif isinstance(outcome, float):
                await asyncio.sleep(outcome)
                outcome = OK
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if isinstance(outcome, BaseException):
            raise outcome
        self.finished += 1
        return outcome, None, None

    async def close(self) -> None:
        self.closed = True


def _graph(driver: FakeDriver, timeout: float = 1.0) -> Graph:
    return Graph(cast(neo4j.AsyncDriver, driver), "shutter", timeout)


async def test_a_caller_that_leaves_does_not_cancel_the_driver_call() -> None:
    answer = asyncio.Event()
    driver = FakeDriver(answer)
    graph = _graph(driver)
    caller = asyncio.ensure_future(graph.read("RETURN 1 AS ok"))
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller

    answer.set()
    await graph.close()
    assert (driver.finished, driver.cancelled, driver.closed) == (1, 0, True)


async def test_a_caller_out_of_time_is_told_while_the_call_runs_on() -> None:
    driver = FakeDriver(0.15)  # past the 0.1 s deadline, before the hard stop a timeout later
    graph = _graph(driver, timeout=0.1)
    with pytest.raises(GraphUnavailable):
        await graph.read("RETURN 1 AS ok")
    assert driver.finished == 0

    await graph.close()
    assert (driver.finished, driver.cancelled) == (1, 0)


async def test_a_call_the_server_never_answers_is_stopped_a_timeout_later() -> None:
    driver = FakeDriver(asyncio.Event())
    graph = _graph(driver, timeout=0.05)
    with pytest.raises(GraphUnavailable):
        await graph.read("RETURN 1 AS ok")

    await asyncio.wait_for(graph.close(), 1.0)
    assert driver.cancelled == 1


async def test_a_dropped_connection_is_tried_once_more() -> None:
    driver = FakeDriver(ServiceUnavailable("stale socket"), OK)
    assert await _graph(driver).read("RETURN 1 AS ok") == OK
    assert driver.calls == 2


async def test_a_graph_that_stays_down_fails_after_the_second_try() -> None:
    driver = FakeDriver(ServiceUnavailable("refused"), ServiceUnavailable("refused"), OK)
    with pytest.raises(GraphUnavailable):
        await _graph(driver).write("RETURN 1 AS ok")
    assert driver.calls == 2


async def test_a_commit_with_an_unknown_outcome_is_never_replayed() -> None:
    driver = FakeDriver(IncompleteCommit("lost during commit"), OK)
    with pytest.raises(GraphUnavailable):
        await _graph(driver).write("RETURN 1 AS ok")
    assert driver.calls == 1


@dataclass
class FakeConnection:
    in_use: bool
    dead: bool

    def closed(self) -> bool:
        return self.dead

    def defunct(self) -> bool:
        return False


@dataclass
class FakePool:
    connections: dict[str, list[FakeConnection]]
    released: list[FakeConnection] = field(default_factory=list)

    def kill_and_release(self, *connections: FakeConnection) -> None:
        self.released.extend(connections)


def test_only_dead_connections_in_use_lose_their_slot() -> None:
    lost, busy, idle, idle_dead = (FakeConnection(True, True), FakeConnection(True, False),
                                   FakeConnection(False, False), FakeConnection(False, True))  # fmt: skip
    driver = FakeDriver()
    driver._pool = FakePool({"graph:7687": [lost, busy, idle, idle_dead]})  # type: ignore[attr-defined]
    assert _graph(driver)._reclaim_dead_slots() == 1
    assert driver._pool.released == [lost]  # type: ignore[attr-defined]


def test_a_driver_without_the_expected_pool_frees_nothing() -> None:
    assert _graph(FakeDriver())._reclaim_dead_slots() == 0
