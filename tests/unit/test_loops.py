import asyncio
from typing import cast

from jobs.worker.loops import Loop
from services.stores import Stores

STORES = cast(Stores, object())


class Scripted(Loop):
    """Plays back a list of outcomes: True (busy), False (idle) or an exception to raise."""

    def __init__(self, outcomes: list[bool | Exception]) -> None:
        super().__init__()
        self.outcomes = outcomes
        self.pauses: list[int] = []  # how many rounds had run at each pause
        self.rounds = 0
        self.done = asyncio.Event()

    async def round(self, stores: Stores) -> bool:
        assert stores is STORES
        if not self.outcomes:
            self.done.set()
            await asyncio.Event().wait()
        self.rounds += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def pause_seconds(self, stores: Stores) -> float:
        self.pauses.append(self.rounds)
        return 0


async def _run(loop: Scripted) -> None:
    task = asyncio.create_task(loop.forever(STORES))
    await asyncio.wait_for(loop.done.wait(), 5)
    task.cancel()


async def test_a_busy_round_is_followed_at_once_and_an_idle_one_after_a_pause() -> None:
    loop = Scripted([True, True, False, True, False])
    await _run(loop)
    assert loop.rounds == 5
    assert loop.pauses == [3, 5]


async def test_a_failed_round_pauses_and_the_loop_goes_on() -> None:
    loop = Scripted([ConnectionError("store down"), RuntimeError("again"), True, False])
    await _run(loop)
    assert loop.rounds == 4
    assert loop.pauses == [1, 2, 4]
