"""The home feed's queries: a page of posts from timeline ids and pulled authors, candidates
for rebuilding a timeline, and who is active. Functions take a session and never commit."""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from db.arrays import id_array_param
from db.content import Audience, Post
from db.models import AccountStatus, User

# The statements are built once per shape, with every value a parameter: building and
# keying a statement of this size costs more than running it. Parameters: `viewer` (the
# viewer's id), `close` (the viewer and those who list the viewer as a close friend),
# `timeline` and `pulled` (id arrays), `below`, `floor` and `limit`.


def _shown() -> list[ColumnElement[bool]]:
    """Live posts by active authors, close-friends posts only from those who list the viewer."""
    return [
        Post.deleted_at.is_(None),
        Post.hidden_at.is_(None),
        User.status == AccountStatus.ACTIVE,
        or_(Post.audience != Audience.CLOSE_FRIENDS, Post.author_id == func.any(id_array_param("close"))),
    ]


def _pulled_ids(*, below: bool) -> Select[tuple[int]]:
    """The newest `limit` shown post ids of each `pulled` author in [floor, below): one index
    walk per author (posts by author and id), however many posts each has."""
    author = func.unnest(id_array_param("pulled")).table_valued("author_id").render_derived("a")
    conditions = [Post.author_id == author.c.author_id, Post.id >= bindparam("floor"), *_shown()]
    if below:
        conditions.append(Post.id < bindparam("below"))
    newest = (
        select(Post.id)
        .join(User, User.id == Post.author_id)
        .where(and_(*conditions))
        .order_by(Post.id.desc())
        .limit(bindparam("limit"))
        .lateral("newest")
    )
    return select(newest.c.id).select_from(author).join(newest, true())


@functools.cache
def _candidates_statement(columns: tuple[Any, ...], *, pulled: bool, below: bool) -> Select[Any]:
    candidates = select(func.unnest(id_array_param("timeline")))
    if pulled:
        candidates = candidates.union_all(_pulled_ids(below=below))  # type: ignore[assignment]
    return (
        select(*columns)
        .join(User, User.id == Post.author_id)
        .where(Post.id.in_(candidates.scalar_subquery()), *_shown())
        .order_by(Post.id.desc())
        .limit(bindparam("limit"))
    )


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

    def statement(self, *columns: Any) -> Select[Any]:
        """The shown candidates, newest first, joined with their authors."""
        pulled = bool(self.pulled_authors)
        return _candidates_statement(columns, pulled=pulled, below=pulled and self.below is not None)

    def parameters(self) -> dict[str, Any]:
        return {
            "close": [self.viewer_id, *self.close_friend_of],
            "timeline": sorted(self.timeline_ids),
            "pulled": sorted(self.pulled_authors),
            "below": self.below,
            "floor": self.floor,
            "limit": self.limit,
        }


async def page_rows(session: AsyncSession, candidates: Candidates) -> list[tuple[Post, User]]:
    """Shown candidates with their authors: one statement."""
    rows = await session.execute(candidates.statement(Post, User), candidates.parameters())
    return [(post, user) for post, user in rows]


async def ranking_rows(session: AsyncSession, candidates: Candidates) -> list[tuple[int, int, int]]:
    """(post id, likes, comments) of shown candidates, for ranking."""
    statement = candidates.statement(Post.id, Post.like_count, Post.comment_count)
    rows = await session.execute(statement, candidates.parameters())
    return [(int(pid), int(likes), int(comments)) for pid, likes, comments in rows]


@functools.cache
def _newest_statement(*, below: bool) -> Select[int, int]:
    pulled = _pulled_ids(below=below).subquery()
    return (
        select(Post.id, Post.author_id)
        .where(Post.id.in_(select(pulled.c.id)))
        .order_by(Post.id.desc())
        .limit(bindparam("limit"))
    )


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
    parameters = {
        "close": [viewer_id, *close_friend_of],
        "pulled": sorted(authors),
        "below": below,
        "floor": 0,
        "limit": limit,
    }
    rows = await session.execute(_newest_statement(below=below is not None), parameters)
    return [(int(pid), int(aid)) for pid, aid in rows]
