"""A batch loader that runs one query per batch in a short session of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from services import metrics
from services.stores import Stores

K = TypeVar("K")
V = TypeVar("V")


class QueryLoader(DataLoader[K, V]):
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
