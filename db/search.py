"""Search and discovery queries: posts by words and by hashtag, trending hashtags, people by
name. Every post query applies the privacy policy in SQL, so pages fill and cursors hold.
Functions take a session and never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.content import Audience, Post, PostHashtag
from db.models import AccountStatus, User

TEXT_SEARCH_CONFIG: ColumnElement[Any] = literal_column("'simple'::regconfig")  # as in Post.search_vector
RANK_SCALE = 1_000_000_000  # ranks travel in cursors as integers
Columns = TypeVarTuple("Columns")


def _ids(values: Collection[int]) -> Any:
    return bindparam(None, value=sorted(values), type_=ARRAY(BigInteger))


@dataclass(frozen=True, slots=True)
class Viewpoint:
    """Who is looking (None: anonymous) and the graph facts the privacy policy needs about
    everyone: whom they follow, who lists them as a close friend, blocks either way."""

    viewer_id: int | None
    following: frozenset[int] = frozenset()
    close_friend_of: frozenset[int] = frozenset()
    hidden: frozenset[int] = frozenset()

    def shown(self) -> list[ColumnElement[bool]]:
        """services.privacy.can_view_post in SQL, for posts joined with their authors. Stricter
        in one way: discovery leaves out the viewer's own hidden posts too."""
        live = [Post.deleted_at.is_(None), Post.hidden_at.is_(None), User.status == AccountStatus.ACTIVE]
        public = User.is_private.is_(False)
        if self.viewer_id is None:
            return [*live, Post.audience == Audience.EVERYONE, public]
        followed = Post.author_id == func.any(_ids(self.following))
        return [
            *live,
            not_(Post.author_id == func.any(_ids(self.hidden))),
            or_(
                Post.author_id == self.viewer_id,
                and_(Post.audience == Audience.EVERYONE, or_(public, followed)),
                and_(Post.audience == Audience.FOLLOWERS, followed),
                and_(
                    Post.audience == Audience.CLOSE_FRIENDS,
                    Post.author_id == func.any(_ids(self.close_friend_of)),
                    or_(public, followed),
                ),
            ),
        ]


async def search_posts(
    session: AsyncSession, viewpoint: Viewpoint, text: str, limit: int, after: tuple[int, int] | None
) -> list[tuple[Post, User, int]]:
    """(post, author, rank) of shown posts whose caption matches ``text`` (web search syntax:
    words, "quoted phrases", -excluded, or), most relevant first, then newest; strictly after
    the (rank, post id) cursor ``after``."""
    query = func.websearch_to_tsquery(TEXT_SEARCH_CONFIG, text)
    rank = cast(func.ts_rank(Post.search_vector, query) * RANK_SCALE, BigInteger)
    statement = (
        select(Post, User, rank)
        .join(User, User.id == Post.author_id)
        .where(Post.search_vector.bool_op("@@")(query), *viewpoint.shown())
    )
    if after is not None:
        statement = statement.where(tuple_(rank, Post.id) < tuple_(*after))
    rows = await session.execute(statement.order_by(rank.desc(), Post.id.desc()).limit(limit))
    return [(post, user, int(score)) for post, user, score in rows]


def _tagged(statement: Select[*Columns], viewpoint: Viewpoint) -> Select[*Columns]:
    """``statement`` over hashtag rows joined with their shown posts and authors."""
    return (
        statement.select_from(PostHashtag)
        .join(Post, Post.id == PostHashtag.post_id)
        .join(User, User.id == Post.author_id)
        .where(*viewpoint.shown())
    )


async def hashtag_posts(
    session: AsyncSession, viewpoint: Viewpoint, tag: str, limit: int, before_id: int | None
) -> list[tuple[Post, User]]:
    """Shown posts carrying ``tag`` with their authors, newest first, older than ``before_id``:
    a backward walk of the (tag, post_id) index."""
    statement = _tagged(select(Post, User), viewpoint).where(PostHashtag.tag == tag)
    if before_id is not None:
        statement = statement.where(PostHashtag.post_id < before_id)
    rows = await session.execute(statement.order_by(PostHashtag.post_id.desc()).limit(limit))
    return [(post, user) for post, user in rows]


async def hashtag_post_counts(session: AsyncSession, viewpoint: Viewpoint, tags: Sequence[str]) -> dict[str, int]:
    """How many shown posts carry each tag, in one query."""
    rows = await session.execute(
        _tagged(select(PostHashtag.tag, func.count()), viewpoint)
        .where(PostHashtag.tag.in_(tags))
        .group_by(PostHashtag.tag)
    )
    found = {tag: 0 for tag in tags}
    for tag, count in rows:
        found[tag] = int(count)
    return found


async def trending_tags(
    session: AsyncSession, viewpoint: Viewpoint, since_id: int, limit: int
) -> list[tuple[str, int]]:
    """(tag, shown posts) of the tags on most shown posts from ``since_id`` on (ids are
    time-ordered, so this is a time window read off the hashtag rows' primary key), ties by
    tag. A post carries a tag at most once, so rows counted are distinct posts."""
    count = func.count()
    rows = await session.execute(
        _tagged(select(PostHashtag.tag, count), viewpoint)
        .where(PostHashtag.post_id >= since_id)
        .group_by(PostHashtag.tag)
        .order_by(count.desc(), PostHashtag.tag.asc())
        .limit(limit)
    )
    return [(tag, int(n)) for tag, n in rows]


async def search_users(
    session: AsyncSession, hidden: Collection[int], term: str, limit: int, after: tuple[int, str] | None
) -> list[tuple[User, int]]:
    """(user, tier) of active users matching ``term`` (lowercase): tier 0 when the username
    starts with it, else tier 1 when the full name or one of its later words does. Ordered
    by (tier, username), strictly after ``after``; nobody in ``hidden``."""
    by_username = User.username.startswith(term, autoescape=True)
    name = func.lower(User.full_name)
    by_name = or_(name.startswith(term, autoescape=True), name.contains(" " + term, autoescape=True))
    tier = case((by_username, 0), else_=1)
    statement = select(User, tier).where(
        or_(by_username, by_name),
        User.status == AccountStatus.ACTIVE,
        not_(User.id == func.any(_ids(hidden))),
    )
    if after is not None:
        statement = statement.where(tuple_(tier, User.username) > tuple_(literal(after[0]), literal(after[1])))
    rows = await session.execute(statement.order_by(tier, User.username).limit(limit))
    return [(user, int(rank)) for user, rank in rows]


async def active_users(session: AsyncSession, ids: Sequence[int]) -> dict[int, User]:
    """Those of ``ids`` that are not suspended."""
    if not ids:
        return {}
    rows = await session.scalars(
        select(User).where(User.id == func.any(_ids(ids)), User.status == AccountStatus.ACTIVE)
    )
    return {row.id: row for row in rows}
