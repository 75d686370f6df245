"""Views, saves and insights of posts: one batch per page, whatever its size."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dataloaders.base import Loader, QueryLoader
from db import saves as save_queries
from services import insights, metrics, views
from services.insights import Insights
from services.stores import Stores


class ViewCountByPostIdLoader(Loader[int, int]):
    """Folded views from PostgreSQL plus those still in Redis: one round trip to each."""

    def __init__(self, stores: Stores) -> None:
        super().__init__(load_fn=self._load)
        self._stores = stores

    async def _load(self, ids: list[int]) -> list[int]:
        metrics.LOADER_BATCH.labels(type(self).__name__).observe(len(ids))
        counts = await views.view_counts(self._stores, ids)
        return [counts[pid] for pid in ids]


class ViewerHasSavedByPostIdLoader(QueryLoader[int, bool]):
    def __init__(self, stores: Stores, viewer_id: int | None) -> None:
        async def query(session: AsyncSession, ids: list[int]) -> dict[int, bool]:
            if viewer_id is None:
                return {}
            return dict.fromkeys(await save_queries.saved_post_ids(session, viewer_id, ids), True)

        super().__init__(stores, query, False)


class InsightsByPostIdLoader(Loader[int, Insights | None]):
    """Keys are posts the viewer wrote; the caller checks that first."""

    def __init__(self, stores: Stores) -> None:
        super().__init__(load_fn=self._load)
        self._stores = stores

    async def _load(self, ids: list[int]) -> list[Insights | None]:
        metrics.LOADER_BATCH.labels(type(self).__name__).observe(len(ids))
        found = await insights.insights_of(self._stores, ids)
        return [found.get(pid) for pid in ids]
