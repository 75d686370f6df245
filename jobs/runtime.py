"""Store clients for a worker process, opened on first use inside the actors' event loop."""

from __future__ import annotations

from services.stores import Stores, open_stores
from settings import get_settings

_stores: Stores | None = None


def worker_stores() -> Stores:
    global _stores
    if _stores is None:
        _stores = open_stores(get_settings())
    return _stores
