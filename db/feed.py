"""The home feed's queries: a page of posts from timeline ids and pulled authors, candidates
for rebuilding a timeline, and who is active. Functions take a session and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, BigInteger, ColumnElement, Select, and_, bindparam, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from db.content import Audience, Post
from db.models import AccountStatus, User


def _ids(name: str, values: Collection[int]) -> Any:
    return bindparam(name, value=sorted(values), type_=ARRAY(BigInteger))


def _shown(viewer_id: int, close_friend_of: Collection[int]) -> list[ColumnElement[bool]]:
    """Live posts by active authors, close-friends posts only from those who list the viewer."""
    return [
        Post.deleted_at.is_(None),
        Post.hidden_at.is_(None),
        User.status == AccountStatus.ACTIVE,
        or_(
            Post.audience != Audience.CLOSE_FRIENDS,
            Post.author_id.in_([viewer_id, *close_friend_of]),
        ),
    ]


def _pulled_ids(
    viewer_id: int,
    *,
    authors: Collection[int],
    close_friend_of: Collection[int],
    below: int | None,
    floor: int,
    limit: int,
) -> Select[tuple[int]]:
    """The newest ``limit`` shown post ids of each author in [floor, below): one index walk
    per author (posts by author and id), however many posts each has."""
    author = func.unnest(_ids("pulled_authors", authors)).table_valued("author_id").render_derived("a")
    conditions = [Post.author_id == author.c.author_id, Post.id >= floor, *_shown(viewer_id, close_friend_of)]
    if below is not None:
        conditions.append(Post.id < below)
    newest = (
        select(Post.id)
        .join(User, User.id == Post.author_id)
        .where(and_(*conditions))
        .order_by(Post.id.desc())
        .limit(limit)
        .lateral("newest")
    )
    return select(newest.c.id).select_from(author).join(newest, true())


@dataclass(frozen=True, slots=True)
class Candidates:
    """A feed page's candidates: ids from the timeline, and the newest posts in
    [floor, below) of each pulled author, ``limit`` of them at most."""

    viewer_id: int
    timeline_ids: Collection[int]
    limit: int
    pulled_authors: Collection[int] = ()
    close_friend_of: Collection[int] = ()
    below: int | None = None
    floor: int = 0

    def select(self, *columns: Any) -> Select[Any]:
        """The shown candidates, newest first, joined with their authors."""
        candidates = select(func.unnest(_ids("timeline_ids", self.timeline_ids)))
        if self.pulled_authors:
            pulled = _pulled_ids(
                self.viewer_id,
                authors=self.pulled_authors,
                close_friend_of=self.close_friend_of,
                below=self.below,
                floor=self.floor,
                limit=self.limit,
            )
            candidates = candidates.union_all(pulled)  # type: ignore[assignment]
        return (
            select(*columns)
            .join(User, User.id == Post.author_id)
            .where(Post.id.in_(candidates.scalar_subquery()), *_shown(self.viewer_id, self.close_friend_of))
            .order_by(Post.id.desc())
            .limit(self.limit)
        )


async def page_rows(session: AsyncSession, candidates: Candidates) -> list[tuple[Post, User]]:
    """Shown candidates with their authors: one statement."""
    rows = await session.execute(candidates.select(Post, User))
    return [(post, user) for post, user in rows]


async def ranking_rows(session: AsyncSession, candidates: Candidates) -> list[tuple[int, int, int]]:
    """(post id, likes, comments) of shown candidates, for ranking."""
    rows = await session.execute(candidates.select(Post.id, Post.like_count, Post.comment_count))
    return [(int(pid), int(likes), int(comments)) for pid, likes, comments in rows]


async def newest_entries(
    session: AsyncSession,
    viewer_id: int,
    *,
    authors: Collection[int],
    close_friend_of: Collection[int],
    below: int | None,
    limit: int,
) -> list[tuple[int, int]]:
    """(post id, author id) of the newest shown posts by these authors: what a rebuilt
    timeline holds, and what the pull model reads on every request."""
    if not authors or limit == 0:
        return []
    pulled = _pulled_ids(
        viewer_id, authors=authors, close_friend_of=close_friend_of, below=below, floor=0, limit=limit
    ).subquery()
    rows = await session.execute(
        select(Post.id, Post.author_id).where(Post.id.in_(select(pulled.c.id))).order_by(Post.id.desc()).limit(limit)
    )
    return [(int(pid), int(aid)) for pid, aid in rows]


async def active_user_ids(session: AsyncSession, user_ids: Sequence[int], since: dt.datetime) -> list[int]:
    """Those of ``user_ids`` who signed in since ``since`` and are not suspended."""
    if not user_ids:
        return []
    rows = await session.scalars(
        select(User.id).where(
            User.id == func.any(_ids("candidates", user_ids)),
            User.last_login_at >= since,
            User.status == AccountStatus.ACTIVE,
        )
    )
    return [int(uid) for uid in rows]
