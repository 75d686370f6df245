"""Fixtures: one set of real servers per test session; clean stores for every test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import dramatiq
import pytest

import jobs.worker.actors  # noqa: F401 - declares the actors, so workers started by tests know them
from devstack import Stack
from jobs.broker import bind_broker, configure_broker
from services.stores import Stores, open_stores
from settings import Settings
from tests import stack as test_stack


@pytest.fixture(scope="session")
def stack_and_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Settings]]:
    data_dir: Path = tmp_path_factory.mktemp("stack")
    stack, settings = test_stack.start(data_dir)
    try:
        test_stack.prepare(settings)
        bind_broker(settings.redis_url)
        yield stack, settings
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def stack(stack_and_settings: tuple[Stack, Settings]) -> Stack:
    return stack_and_settings[0]


@pytest.fixture(scope="session")
def settings(stack_and_settings: tuple[Stack, Settings]) -> Settings:
    return stack_and_settings[1]


@pytest.fixture
def worker(settings: Settings) -> Iterator[dramatiq.Worker]:
    """A Dramatiq worker consuming from the real Redis broker, as `shutter worker` does."""

    running = dramatiq.Worker(configure_broker(), worker_threads=2, worker_timeout=100)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def stores(settings: Settings) -> AsyncIterator[Stores]:
    """Store clients on the test's own event loop, over empty stores."""
    opened = open_stores(settings)
    try:
        await test_stack.wipe(settings.require_database_url, opened.redis, opened.graph)
        from graph.constraints import ensure_constraints

        await ensure_constraints(opened.graph)
        yield opened
    finally:
        await opened.close()
