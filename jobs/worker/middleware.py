"""The middleware a worker process runs, in the order Dramatiq must run it."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import AsyncIO

from jobs.worker.metrics import JobMetrics
from jobs.worker.outbox import OutboxAck, OutboxRelay
from jobs.worker.runtime import WorkerStores
from jobs.worker.sweeps import UploadSweep
from jobs.worker.views import ViewFold


def worker_middleware() -> list[dramatiq.Middleware]:
    """Fresh instances for one broker (jobs.broker.serve_jobs calls this per broker)."""
    # Dramatiq runs before_* hooks in this order and after_* hooks in reverse: the relay stops
    # (before_worker_shutdown) while the loop runs; the stores close (after_worker_shutdown,
    # once jobs have finished) before AsyncIO stops the loop.
    return [
        OutboxRelay(),
        # The view fold and the upload sweep, like the relay, are loops on the actors' event loop:
        # they stop with the relay, before the stores close.
        ViewFold(),
        UploadSweep(),
        OutboxAck(),
        JobMetrics(),
        AsyncIO(),
        WorkerStores(),
    ]
