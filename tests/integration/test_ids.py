"""Ids from shutter_next_id(): 64-bit, time-ordered, carrying the shard."""

from __future__ import annotations

import time

from sqlalchemy import text

from db.ids import created_ms
from services.stores import Stores


async def test_ids_are_unique_increasing_and_carry_time(stores: Stores) -> None:
    async with stores.engine.connect() as connection:
        before = int(time.time() * 1000)
        ids = list((await connection.execute(text("SELECT shutter_next_id() FROM generate_series(1, 500)"))).scalars())
        after = int(time.time() * 1000)
    assert len(set(ids)) == 500
    assert all(0 < i < 2**63 for i in ids)
    # Sorted by creation: the time part never goes backwards within one sequence of calls.
    assert [i >> 23 for i in ids] == sorted(i >> 23 for i in ids)
    for i in (ids[0], ids[-1]):
        made_at = created_ms(i)  # the Python reading of the scheme agrees with the SQL function
        assert before - 5 <= made_at <= after + 5


async def test_shard_bits_come_from_the_setting(stores: Stores) -> None:
    async with stores.engine.connect() as connection:
        await connection.execute(text("SET shutter.shard_id = '4095'"))
        made = (await connection.execute(text("SELECT shutter_next_id()"))).scalar_one()
    assert (made >> 10) & 0x1FFF == 4095
