"""Insights a post's author sees: views, reach, likes, comments and saves, in total and per
UTC day over the last SHUTTER_INSIGHTS_DAYS days. Any account has them for its own posts.

Likes, comments and saves are exact; views count every view by a signed-in viewer other
than the author, folded or still on their way; reach (distinct viewers) is a HyperLogLog
estimate, exact for small numbers and within about 1% for large ones.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from redis.exceptions import RedisError

from db import insights as queries
from db.content import Post
from services import views
from services.stores import Stores

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Day:
    day: dt.date
    views: int
    likes: int
    comments: int
    saves: int


@dataclass(frozen=True, slots=True)
class Insights:
    views: int
    reach: int
    likes: int
    comments: int
    saves: int
    days: list[Day]  # oldest first, today last, days without activity included


def may_see(viewer_id: int | None, post: Post) -> bool:
    """Insights are the author's alone."""
    return viewer_id is not None and viewer_id == post.author_id


async def insights_of(stores: Stores, post_ids: Sequence[int]) -> dict[int, Insights]:
    """Insights of each post: two SQL statements and two Redis round trips however many
    posts. Without Redis, views folded so far and a reach of 0."""
    days = [views.today() - dt.timedelta(days=back) for back in range(stores.settings.insights_days - 1, -1, -1)]
    async with stores.reads() as session:
        totals = await queries.totals(session, post_ids)
        daily = await queries.daily(session, list(totals), days[0])
    found = list(totals)
    try:
        pending = await views.pending_views(stores.redis, found)
        sketches = {pid: t.reach_sketch for pid, t in totals.items() if t.reach_sketch is not None}
        reach = await views.reach(stores.redis, found, sketches)
    except RedisError:
        log.warning("redis unavailable; insights without the last seconds of views")
        pending, reach = {}, {}
    result = {}
    for post_id, total in totals.items():
        waiting = pending.get(post_id, Counter())
        per_day = daily[post_id]
        result[post_id] = Insights(
            views=total.views + waiting.total(),
            reach=reach.get(post_id, 0),
            likes=total.likes,
            comments=total.comments,
            saves=total.saves,
            days=[
                Day(
                    day=day,
                    views=per_day.get(day, {}).get(queries.VIEWS, 0) + waiting[day],
                    likes=per_day.get(day, {}).get(queries.LIKES, 0),
                    comments=per_day.get(day, {}).get(queries.COMMENTS, 0),
                    saves=per_day.get(day, {}).get(queries.SAVES, 0),
                )
                for day in days
            ],
        )
    return result
