"""Search and discovery types: hashtags, trending hashtags, suggested people, and the
cursor of people search (it holds a username, which integer cursors cannot)."""

from __future__ import annotations

import base64
import binascii
import re

import strawberry

from dataloaders.base import Loader
from db.search import Viewpoint
from schema.context import Info
from schema.posts import Post
from schema.relay import Connection, PageRequest, encode_cursor, page_request
from schema.users import User
from services import search
from services.errors import DomainError, ErrorCode
from services.search import PostHit, UserHit
from services.stores import Stores

USER_CURSOR_PREFIX = "u1:"
USER_CURSOR = re.compile(r"u1:([01]):([a-z0-9._]{1,30})")


def encode_user_cursor(cursor: tuple[int, str]) -> str:
    raw = f"{USER_CURSOR_PREFIX}{cursor[0]}:{cursor[1]}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_user_cursor(cursor: str, field: str = "after") -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")).decode()
    except (ValueError, UnicodeError, binascii.Error):
        raw = ""
    match = USER_CURSOR.fullmatch(raw)
    if match is None:
        raise DomainError(ErrorCode.INVALID_CURSOR, "Not a valid cursor.", field)
    return int(match[1]), match[2]


def prime_authors(info: Info, view: Viewpoint, hits: list[PostHit]) -> None:
    """The search read the authors and the viewer's blocks: nothing asks for them again."""
    loaders = info.context.loaders
    for hit in hits:
        loaders.user_by_id.prime(hit.author.id, hit.author)
    if view.viewer_id is not None:
        loaders.hidden_by_user_id.know(view.hidden)


def post_connection(request: PageRequest, hits: list[PostHit]) -> Connection[Post]:
    return Connection[Post].build(
        hits,
        request,
        node=lambda hit: Post.from_row(hit.post) if hit.shown else None,
        cursor=lambda hit: encode_cursor(*hit.cursor),
    )


def user_connection(request: PageRequest, hits: list[UserHit]) -> Connection[User]:
    return Connection[User].build(
        hits,
        request,
        node=lambda hit: User.from_row(hit.user) if hit.shown else None,
        cursor=lambda hit: encode_user_cursor(hit.cursor),
    )


class HashtagPostCountLoader(Loader[str, int]):
    """Posts per tag the viewer may see; one per result list, so a list of hashtags costs
    one count query however long it is."""

    def __init__(self, stores: Stores, view: Viewpoint) -> None:
        super().__init__(load_fn=self._load)
        self._stores = stores
        self._view = view

    async def _load(self, tags: list[str]) -> list[int]:
        counts = await search.hashtag_post_counts(self._stores, self._view, tags)
        return [counts[tag] for tag in tags]


@strawberry.type(description="A hashtag, with the posts carrying it that the viewer may see.")
class Hashtag:
    name: str = strawberry.field(description="Lowercase, without '#'.")
    view: strawberry.Private[Viewpoint]
    counts: strawberry.Private[HashtagPostCountLoader]

    @strawberry.field(description="How many posts carry the hashtag, counting only those the viewer may see.")
    async def post_count(self) -> int:
        return await self.counts.load(self.name)

    @strawberry.field(description="Posts carrying the hashtag that the viewer may see, newest first.")
    async def posts(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Post]:
        context = info.context
        request = page_request(context.stores.settings, first, after, cursor_arity=1)
        before = request.after[0] if request.after else None
        hits = await search.hashtag_posts(context.stores, self.view, self.name, request.first + 1, before)
        prime_authors(info, self.view, hits)
        return post_connection(request, hits)


@strawberry.type(description="A hashtag on many recent posts.")
class TrendingHashtag:
    hashtag: Hashtag
    recent_post_count: int = strawberry.field(
        description="Posts made in the trending window that carry the hashtag, counting only those the viewer may see."
    )


@strawberry.type(description="Someone the viewer may know: followed by people the viewer follows.")
class UserSuggestion:
    user: User
    mutual_follow_count: int = strawberry.field(description="How many people the viewer follows follow this user.")
