"""The viewer's relationship to other users, and follow counts, one graph query per batch."""

from __future__ import annotations

from dataloaders.base import Loader
from graph import social as graph_social
from graph.social import Relationship
from services import follow_counts, metrics
from services.privacy import NO_RELATIONSHIP
from services.stores import Stores


class RelationshipByUserIdLoader(Loader[int, Relationship]):
    """Keys are other users' ids; the viewer is fixed for the request."""

    def __init__(self, stores: Stores, viewer_id: int | None) -> None:
        super().__init__(load_fn=self._load)
        self._stores = stores
        self._viewer_id = viewer_id

    async def _load(self, ids: list[int]) -> list[Relationship]:
        metrics.LOADER_BATCH.labels(type(self).__name__).observe(len(ids))
        viewer = self._viewer_id
        others = [uid for uid in ids if uid != viewer]
        if viewer is None or not others:
            return [NO_RELATIONSHIP for _ in ids]
        found = await graph_social.relationships(self._stores.graph, viewer, others)
        return [found.get(uid, NO_RELATIONSHIP) for uid in ids]


class FollowCountsByUserIdLoader(Loader[int, tuple[int, int]]):
    """(followers, following) per user id."""

    def __init__(self, stores: Stores) -> None:
        super().__init__(load_fn=self._load)
        self._stores = stores

    async def _load(self, ids: list[int]) -> list[tuple[int, int]]:
        metrics.LOADER_BATCH.labels(type(self).__name__).observe(len(ids))
        counts = await follow_counts.get_many(self._stores, ids)
        return [counts[uid] for uid in ids]


class HiddenByUserIdLoader(Loader[int, bool]):
    """Whether a block stands between the viewer and each user. A page that already knows
    the viewer's blocks (the feed caches them) says so, and then no graph call is made."""

    def __init__(self, stores: Stores, viewer_id: int | None) -> None:
        super().__init__(load_fn=self._load)
        self._stores = stores
        self._viewer_id = viewer_id
        self._known: frozenset[int] | None = None

    def know(self, hidden: frozenset[int]) -> None:
        self._known = hidden

    async def _load(self, ids: list[int]) -> list[bool]:
        metrics.LOADER_BATCH.labels(type(self).__name__).observe(len(ids))
        if self._known is not None:
            return [uid in self._known for uid in ids]
        viewer = self._viewer_id
        others = [uid for uid in ids if uid != viewer]
        if viewer is None or not others:
            return [False for _ in ids]
        found = await graph_social.relationships(self._stores.graph, viewer, others)
        return [found[uid].blocked_either_way if uid in found else False for uid in ids]
