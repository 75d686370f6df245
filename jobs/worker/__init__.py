"""The worker side of the jobs: actors, the middleware a worker runs, and its loops.

Only the worker process imports it (``python -m dramatiq jobs.worker.actors``); the API and
services enqueue by name (jobs/queue.py).
"""

from __future__ import annotations

import sys

from settings import Settings

ACTORS = "jobs.worker.actors"  # the module Dramatiq loads: it declares every actor


def worker_command(settings: Settings) -> list[str]:
    """The command line of `shutter worker`: Dramatiq's own process and thread pool."""
    return [
        sys.executable,
        "-m",
        "dramatiq",
        ACTORS,
        "--processes",
        str(settings.worker_processes),
        "--threads",
        str(settings.worker_threads),
    ]
