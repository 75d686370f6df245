"""A batch loader that runs one query per batch in a short session of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Final, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from services import metrics
from services.stores import Stores

K = TypeVar("K")
V = TypeVar("V")


class NotLoaded:
    """What `peek` gives for a key whose value is not in hand yet."""

    def __repr__(self) -> str:
        return "NOT_LOADED"


NOT_LOADED: Final = NotLoaded()


def peek(loader: DataLoader[K, V], key: K) -> V | NotLoaded:
    """The value `loader` already holds for `key`, without awaiting anything.

    A resolver whose data was loaded ahead (a list that warmed its loaders for every row)
    answers at once; awaiting a finished load would still cost a task and a trip through
    the event loop for every field of every row.
    """
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return NOT_LOADED
    value: V = future.result()
    return value


def peek_many(loader: DataLoader[K, V], keys: Iterable[K]) -> list[V] | NotLoaded:
    found: list[V] = []
    for key in keys:
        value = peek(loader, key)
        if isinstance(value, NotLoaded):
            return NOT_LOADED
        found.append(value)
    return found


class Loader(DataLoader[K, V]):
    """A DataLoader whose waiters cannot cancel one another.

    Every caller of ``load(key)`` would otherwise await the one cached future of that key,
    and cancelling any of them (graphql-core cancels a failed field's siblings, a deadline
    cancels the lot) cancels the future itself: the other waiters would then get
    CancelledError, which no GraphQL layer catches. Each caller awaits a shield of its own.
    """

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


class QueryLoader(Loader[K, V]):
    """Results come back in key order; keys the query does not return get ``default``."""

    def __init__(
        self, stores: Stores, query: Callable[[AsyncSession, list[K]], Awaitable[Mapping[K, V]]], default: V
    ) -> None:
        super().__init__(load_fn=self._load)
        self._stores = stores
        self._query = query
        self._default = default

    async def _load(self, keys: Sequence[K]) -> list[V]:
        metrics.LOADER_BATCH.labels(type(self).__name__).observe(len(keys))
        async with self._stores.reads() as session:
            found = await self._query(session, list(keys))
        return [found.get(key, self._default) for key in keys]
