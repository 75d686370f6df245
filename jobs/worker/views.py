"""The worker's periodic fold of flushed post views into PostgreSQL (services/view_fold.py).

Every worker process folds; the fold is exact however many run at once, so none has to be
chosen to do it.
"""

from __future__ import annotations

from jobs.worker.loops import Loop
from services import view_fold
from services.stores import Stores


class ViewFold(Loop):
    """A failed fold leaves its batches in Redis; the next round folds them."""

    async def round(self, stores: Stores) -> bool:
        return await view_fold.fold_once(stores) >= stores.settings.view_fold_batch_size

    def pause_seconds(self, stores: Stores) -> float:
        return stores.settings.view_fold_seconds
