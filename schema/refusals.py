"""How often one client may have operations refused for their cost, counted in this process.

A refusal runs no resolver, but parsing, validating and costing a crafted document still
takes the process's CPU: without a bound, a client sending nothing but refused documents
slows everyone else. The count lives in memory, not in Redis, so that a refusal touches no
store; each API process bounds what it sees.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

MAX_CLIENTS = 10_000  # clients remembered; the one heard from longest ago is forgotten first


class RefusalBudget:
    """A token bucket per client: ``per_minute`` refusals, all of which may come at once."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str, now: float | None = None) -> int:
        """0 when ``client`` may have one more refusal, else the seconds until it may."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        tokens, at = self._buckets.pop(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - at) * rate)
        wait = 0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = max(1, math.ceil((1 - tokens) / rate))
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        return wait
