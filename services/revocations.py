"""Sign-ins revoked before their access tokens expire: logging out, a reused refresh token,
a suspension.

Access tokens are checked without a store round trip, so every API process keeps the token
families revoked within the last access-token lifetime in memory. PostgreSQL
(``refresh_tokens.revoked_at``) is the record; whoever revokes announces it on a Redis
channel so every process knows at once, and each process also reads the record again
every ``SHUTTER_REVOCATION_POLL_SECONDS``, which covers announcements lost with Redis.
Long-lived connections (WebSockets) of a sign-in watch its family and end as it is revoked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterable

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from db import users as user_queries
from services import background
from services.live import LiveHub
from services.stores import Stores

log = logging.getLogger(__name__)

CHANNEL = "auth:revoked"
# Revocations are read again from a little before the last read: a transaction stamps
# revoked_at when it starts, and may commit after a later one was already read.
OVERLAP = dt.timedelta(seconds=60)
# Kept past the token lifetime by this much, for clocks that disagree.
CLOCK_SLACK_SECONDS = 60.0


class RevokedFamilies:
    """Families revoked recently enough that some access token of theirs may still be live."""

    def __init__(self, keep_seconds: float) -> None:
        self.keep_seconds = keep_seconds
        self._until: dict[str, float] = {}
        # What to call when a family is revoked: the open connections of its sign-in.
        self._watchers: dict[str, set[Callable[[], None]]] = {}

    def add(self, families: Iterable[str], now: float | None = None) -> None:
        until = (time.monotonic() if now is None else now) + self.keep_seconds
        ended: list[Callable[[], None]] = []
        for family in families:
            self._until[family] = until
            ended.extend(self._watchers.pop(family, ()))
        for end in ended:
            try:
                end()
            except Exception:  # one connection that fails to end must not keep the others open
                log.warning("revoked sign-in: a connection did not end", exc_info=True)

    def watch(self, family: str, end: Callable[[], None]) -> Callable[[], None]:
        """Call ``end`` once, as soon as ``family`` is revoked (at once if it already is), so a
        connection does not outlive its sign-in; returns the function that stops watching."""
        if family in self._until:
            end()
            return lambda: None
        self._watchers.setdefault(family, set()).add(end)

        def unwatch() -> None:
            watchers = self._watchers.get(family)
            if watchers is not None:
                watchers.discard(end)
                if not watchers:
                    del self._watchers[family]

        return unwatch

    @property
    def watched(self) -> int:
        """How many connections wait to be ended with their sign-in."""
        return sum(len(watchers) for watchers in self._watchers.values())

    def prune(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._until = {family: until for family, until in self._until.items() if until > now}

    def __contains__(self, family: object) -> bool:
        return family in self._until

    def __len__(self) -> int:
        return len(self._until)

    def on_message(self, data: bytes) -> None:
        """A message on ``CHANNEL``: ``{"families": [...]}``."""
        families = json.loads(data)["families"]
        self.add(str(family) for family in families)


def keep_seconds(stores: Stores) -> float:
    return stores.settings.access_token_ttl_seconds + CLOCK_SLACK_SECONDS


async def announce(stores: Stores, families: list[str]) -> None:
    """Tell every API process now; best effort, as their next read of the record catches up."""
    if not families:
        return
    try:
        await stores.redis.publish(CHANNEL, json.dumps({"families": families}))
    except RedisError:
        log.warning("redis unavailable; revocation left to the next read", extra={"families": len(families)})


class RevocationWatch:
    """Keeps one process's ``RevokedFamilies`` current: from the record at start and on an
    interval, and from announcements through the process's ``LiveHub``."""

    def __init__(self, stores: Stores, hub: LiveHub) -> None:
        self.stores = stores
        self.revoked = RevokedFamilies(keep_seconds(stores))
        self._since: dt.datetime | None = None
        self._task: asyncio.Task[None] | None = None
        hub.listen(CHANNEL, self.revoked.on_message)

    async def start(self) -> None:
        await self.read_record()
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        await background.stop(self._task)
        self._task = None

    async def read_record(self) -> bool:
        """Read what was revoked since the last read (at first, within the token lifetime)."""
        since = self._since
        if since is None:
            since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=self.revoked.keep_seconds)
        try:
            async with self.stores.sessions() as session:
                families, now = await user_queries.families_revoked_since(session, since)
        except (SQLAlchemyError, OSError):
            log.warning("revoked sign-ins not read; retrying", exc_info=True)
            return False
        self.revoked.prune()
        self.revoked.add(families)
        self._since = now - OVERLAP
        return True

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.stores.settings.revocation_poll_seconds)
            try:
                await self.read_record()
            except Exception:  # whatever went wrong, the next round tries again
                log.warning("revoked sign-ins not read; retrying", exc_info=True)
