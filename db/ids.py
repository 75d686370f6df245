"""The id scheme that migration 0001's ``shutter_next_id()`` writes: milliseconds since
2024-01-01 UTC in the top 41 bits, then a 13-bit shard number and a 10-bit sequence. Ids
sort by time, and their time can be read back without a lookup."""

from __future__ import annotations

import datetime as dt

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
TIMESTAMP_SHIFT = 23  # shard and sequence bits below the time
SHARD_SHIFT = 10  # sequence bits below the shard


def created_ms(row_id: int) -> int:
    """When the row with this id was made, in milliseconds since the Unix epoch."""
    return (row_id >> TIMESTAMP_SHIFT) + EPOCH_MS


def first_id_at(moment: dt.datetime) -> int:
    """The smallest id a row made at ``moment`` can have."""
    return max(int(moment.timestamp() * 1000) - EPOCH_MS, 0) << TIMESTAMP_SHIFT


def make_id(ms: int, shard: int, sequence: int) -> int:
    """The id ``shutter_next_id()`` would give at ``ms`` on ``shard`` with ``sequence``."""
    return ((ms - EPOCH_MS) << TIMESTAMP_SHIFT) | (shard << SHARD_SHIFT) | (sequence % (1 << SHARD_SHIFT))
