"""Signed download URLs, reused while at least half their lifetime remains.

Every card of every feed page shows media; signing a URL for each one on each request costs
a signature (and, for S3, a hop to a thread), and gives browsers and CDNs a new URL to cache
every time. A URL signed for `ttl` seconds is handed out again until `ttl / 2` seconds have
passed, so a client always gets one valid for at least half the lifetime.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from storage.base import ObjectStore

MAX_ENTRIES = 50_000


class SignedUrls:
    def __init__(
        self,
        store: ObjectStore,
        ttl_seconds: int,
        *,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def cached(self, key: str) -> str | None:
        """The URL already signed for `key`, if it is still young enough to hand out."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        url, reuse_until = entry
        if self._clock() >= reuse_until:
            del self._entries[key]
            return None
        return url

    async def get(self, key: str) -> str:
        url = self.cached(key)
        if url is not None:
            return url
        signed_at = self._clock()
        url = await self._store.presign_get(key, self._ttl)
        self._entries[key] = (url, signed_at + self._ttl / 2)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return url
