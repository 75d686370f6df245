"""The worker's periodic removal of abandoned uploads (services/media_cleanup.py).

Every worker process sweeps; SKIP LOCKED hands each abandoned media to one of them.
"""

from __future__ import annotations

from jobs.worker.loops import Loop
from services import media_cleanup
from services.stores import Stores


class UploadSweep(Loop):
    """A failed sweep (a store outage) leaves the rows for the next one."""

    async def round(self, stores: Stores) -> bool:
        return await media_cleanup.sweep_abandoned(stores) >= media_cleanup.SWEEP_BATCH

    def pause_seconds(self, stores: Stores) -> float:
        return stores.settings.upload_sweep_seconds
