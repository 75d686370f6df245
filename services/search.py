"""Search and discovery: posts by words and by hashtag, trending hashtags, people by name, and
people the viewer may know.

Lists apply the privacy policy in SQL (db.search.Viewpoint), so pages fill and cursors hold;
each row found then passes services.privacy as well, the one policy having the last word.
The graph facts the SQL needs (follows, close friends, blocks) are read once per request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from db import search as search_queries
from db.content import Post
from db.ids import first_id_at
from db.models import User
from db.search import Viewpoint
from graph import suggestions as graph_suggestions
from graph.social import Relationship
from services import captions, privacy
from services.errors import DomainError, ErrorCode
from services.stores import Stores
from settings import Settings

# Suggestions come from the graph before PostgreSQL says who is suspended: read a few more
# than wanted, so dropping those rarely leaves the list short.
SUGGESTION_HEADROOM = 20
# Ids are time-ordered (the first migration): milliseconds since this epoch, shifted.


@dataclass(frozen=True, slots=True)
class PostHit:
    post: Post
    author: User
    cursor: tuple[int, ...]
    shown: bool  # the privacy policy's last word; hidden rows still move the cursor


@dataclass(frozen=True, slots=True)
class UserHit:
    user: User
    cursor: tuple[int, str]  # (tier, username): username matches first, then full-name ones
    shown: bool


@dataclass(frozen=True, slots=True)
class Suggestion:
    user: User
    mutual_follows: int  # people the viewer follows who follow this user


def search_text(settings: Settings, raw: str, field: str = "query") -> str:
    """What to search for: trimmed, single-spaced; empty means nothing to look for."""
    limit = settings.search_query_max_length
    if len(raw) > limit:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {limit} characters.", field)
    return " ".join(raw.replace("\x00", " ").split())


def user_term(settings: Settings, raw: str, field: str = "query") -> str:
    """A people search term: lowercase, without a leading '@'."""
    return search_text(settings, raw, field).removeprefix("@").lower()


def hashtag_name(raw: str, field: str = "name") -> str:
    """The stored form of a hashtag (lowercase, no '#'); INVALID_INPUT when it cannot be one."""
    name = raw.strip().removeprefix("#")
    tags = captions.hashtags("#" + name)
    if tags != [name.lower()]:
        raise DomainError(ErrorCode.INVALID_INPUT, "Not a hashtag: letters, digits and '_' only.", field)
    return tags[0]


def list_size(settings: Settings, first: int) -> int:
    """``first`` for a plain list, held to the same bounds as a page."""
    if not 0 <= first <= settings.max_page_size:
        raise DomainError(ErrorCode.INVALID_INPUT, f"'first' must be between 0 and {settings.max_page_size}.", "first")
    return first


async def viewpoint(stores: Stores, viewer_id: int | None) -> Viewpoint:
    """What the privacy policy needs to know about the viewer: one graph read, none for
    anonymous viewers."""
    if viewer_id is None:
        return Viewpoint(None)
    standing = await graph_suggestions.standing(stores.graph, viewer_id)
    return Viewpoint(viewer_id, standing.following, standing.close_friend_of, standing.hidden)


def relationship(view: Viewpoint, user_id: int) -> Relationship:
    """The viewer's relationship to ``user_id`` as far as the privacy policy looks."""
    return Relationship(
        following=user_id in view.following,
        close_friend_of=user_id in view.close_friend_of,
        blocking=user_id in view.hidden,
    )


def _hits(view: Viewpoint, rows: Sequence[tuple[Post, User, tuple[int, ...]]]) -> list[PostHit]:
    return [
        PostHit(
            post, author, cursor, privacy.can_view_post(view.viewer_id, post, author, relationship(view, author.id))
        )
        for post, author, cursor in rows
    ]


async def search_posts(
    stores: Stores, view: Viewpoint, text: str, limit: int, after: tuple[int, ...] | None
) -> list[PostHit]:
    """Posts whose caption matches ``text`` (see search_text), best match first, then newest;
    the cursor is (rank, post id)."""
    if not text or limit == 0:
        return []
    async with stores.sessions() as session:
        rows = await search_queries.search_posts(
            session, view, text, limit, (after[0], after[1]) if after is not None else None
        )
    return _hits(view, [(post, author, (rank, post.id)) for post, author, rank in rows])


async def hashtag_posts(stores: Stores, view: Viewpoint, tag: str, limit: int, before_id: int | None) -> list[PostHit]:
    """Posts carrying ``tag`` (see hashtag_name), newest first; the cursor is the post id."""
    if limit == 0:
        return []
    async with stores.sessions() as session:
        rows = await search_queries.hashtag_posts(session, view, tag, limit, before_id)
    return _hits(view, [(post, author, (post.id,)) for post, author in rows])


async def hashtag_post_counts(stores: Stores, view: Viewpoint, tags: Sequence[str]) -> dict[str, int]:
    """How many posts carrying each tag the viewer may see."""
    async with stores.sessions() as session:
        return await search_queries.hashtag_post_counts(session, view, tags)


async def trending_hashtags(
    stores: Stores,
    view: Viewpoint,
    first: int,
    *,
    window: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> list[tuple[str, int]]:
    """(tag, posts) of the tags on the most posts made within ``window`` before ``now``, as
    the viewer sees them: posts hidden from the viewer neither show nor count."""
    if first == 0:
        return []
    window = window or dt.timedelta(days=stores.settings.trending_window_days)
    since = first_id_at((now or dt.datetime.now(dt.UTC)) - window)
    async with stores.sessions() as session:
        return await search_queries.trending_tags(session, view, since, first)


async def search_users(
    stores: Stores, view: Viewpoint, term: str, limit: int, after: tuple[int, str] | None
) -> list[UserHit]:
    """Active people whose username starts with ``term`` (see user_term), then those whose
    full name or a later word of it does, each group by username; nobody across a block."""
    if not term or limit == 0:
        return []
    async with stores.sessions() as session:
        rows = await search_queries.search_users(session, view.hidden, term, limit, after)
    return [
        UserHit(
            user,
            (tier, user.username),
            privacy.can_view_profile(view.viewer_id, user, relationship(view, user.id)),
        )
        for user, tier in rows
    ]


async def suggested_users(stores: Stores, viewer_id: int, first: int) -> list[Suggestion]:
    """People followed by those the viewer follows, most such mutual follows first (then
    oldest account first); never the viewer, anyone already followed or asked, anyone across a
    block, nor suspended accounts."""
    if first == 0:
        return []
    found = await graph_suggestions.friends_of_friends(stores.graph, viewer_id, first + SUGGESTION_HEADROOM)
    async with stores.sessions() as session:
        users = await search_queries.active_users(session, [uid for uid, _ in found])
    suggestions = [
        Suggestion(users[uid], mutual)
        for uid, mutual in found
        if uid in users and privacy.can_view_profile(viewer_id, users[uid], privacy.NO_RELATIONSHIP)
    ]
    return suggestions[:first]
