"""The Post and Comment types: everything a permitted viewer sees of a post."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Collection, Sequence

import strawberry
from strawberry import relay

from dataloaders.base import NOT_LOADED, NotLoaded, peek, peek_many
from db.content import Audience
from db.content import Comment as CommentRow
from db.content import Post as PostRow
from db.models import User as UserRow
from graph.social import Relationship
from schema.context import Info
from schema.insights import PostInsights
from schema.media import Media
from schema.relay import Connection, encode_cursor, page_request
from schema.users import User
from services import insights, post_lists, privacy

AudienceEnum = strawberry.enum(Audience, name="Audience")


def _shown(viewer_id: int | None, rows: Sequence[UserRow | None], hidden: Sequence[bool]) -> dict[int, User]:
    """Authors the viewer may see: comments and likes of blocked people are left out."""
    return {
        row.id: User.from_row(row)
        for row, blocked in zip(rows, hidden, strict=True)
        if row is not None and privacy.can_view_profile(viewer_id, row, Relationship(blocking=blocked))
    }


async def _shown_authors(info: Info, author_ids: Sequence[int]) -> dict[int, User]:
    context = info.context
    rows = await context.loaders.user_by_id.load_many(list(author_ids))
    hidden = await context.loaders.hidden_by_user_id.load_many(list(author_ids))
    return _shown(context.viewer_id, rows, hidden)


def _shown_authors_now(info: Info, author_ids: Sequence[int]) -> dict[int, User] | NotLoaded:
    """`_shown_authors` from what the loaders hold already; NOT_LOADED if anything is missing."""
    loaders = info.context.loaders
    rows = peek_many(loaders.user_by_id, author_ids)
    hidden = peek_many(loaders.hidden_by_user_id, author_ids)
    if isinstance(rows, NotLoaded) or isinstance(hidden, NotLoaded):
        return NOT_LOADED
    return _shown(info.context.viewer_id, rows, hidden)


@strawberry.type(name="Comment")
class Comment(relay.Node):
    id: relay.NodeID[int]
    text: str
    created_at: dt.datetime
    reply_count: int
    row: strawberry.Private[CommentRow]

    @classmethod
    def from_row(cls, row: CommentRow) -> Comment:
        return cls(id=row.id, text=row.text, created_at=row.created_at, reply_count=row.reply_count, row=row)

    @strawberry.field(graphql_type=User | None)
    def author(self, info: Info) -> User | Awaitable[User | None] | None:
        shown = _shown_authors_now(info, [self.row.author_id])
        if isinstance(shown, NotLoaded):
            return self._load_author(info)
        return shown.get(self.row.author_id)

    async def _load_author(self, info: Info) -> User | None:
        return (await _shown_authors(info, [self.row.author_id])).get(self.row.author_id)

    @strawberry.field(description="Replies, oldest first (one level deep).")
    async def replies(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Comment]:
        # Replies are one level deep: a reply's own replies are always empty.
        parent = self.row.id if self.row.parent_id is None else None
        return await comment_connection(info, self.row.post_id, parent, first, after, replies_only=True)


async def comment_connection(
    info: Info,
    post_id: int,
    parent_id: int | None,
    first: int | None,
    after: str | None,
    *,
    replies_only: bool = False,
) -> Connection[Comment]:
    request = page_request(info.context.stores.settings, first, after, cursor_arity=1)
    rows = []
    if parent_id is not None or not replies_only:
        rows = await post_lists.comments(
            info.context.stores,
            post_id,
            parent_id,
            request.first + 1,
            request.after[0] if request.after else None,
            viewer_id=info.context.viewer_id,
        )
    shown = await _shown_authors(info, [row.author_id for row in rows])
    return Connection[Comment].build(
        rows,
        request,
        node=lambda row: Comment.from_row(row) if row.author_id in shown else None,
        cursor=lambda row: encode_cursor(row.id),
    )


@strawberry.type(name="Post")
class Post(relay.Node):
    id: relay.NodeID[int]
    caption: str
    location: str | None
    audience: AudienceEnum  # type: ignore[valid-type]
    created_at: dt.datetime
    edited_at: dt.datetime | None
    like_count: int
    comment_count: int
    row: strawberry.Private[PostRow]

    @classmethod
    def from_row(cls, row: PostRow) -> Post:
        return cls(
            id=row.id,
            caption=row.caption,
            location=row.location,
            audience=row.audience,
            created_at=row.created_at,
            edited_at=row.edited_at,
            like_count=row.like_count,
            comment_count=row.comment_count,
            row=row,
        )

    # The card's fields answer at once when a list warmed their loaders (`warm_cards`), and
    # load through them otherwise.

    @strawberry.field(graphql_type=User)
    def author(self, info: Info) -> User | Awaitable[User]:
        row = peek(info.context.loaders.user_by_id, self.row.author_id)
        if isinstance(row, UserRow):
            return User.from_row(row)
        return self._load_author(info)

    async def _load_author(self, info: Info) -> User:
        row = await info.context.loaders.user_by_id.load(self.row.author_id)
        assert row is not None  # posts are shown only with their author
        return User.from_row(row)

    @strawberry.field
    async def hashtags(self, info: Info) -> list[str]:
        return await info.context.loaders.hashtags_by_post_id.load(self.row.id)

    @strawberry.field(graphql_type=list[Media])
    def media(self, info: Info) -> list[Media] | Awaitable[list[Media]]:
        rows = peek(info.context.loaders.media_by_post_id, self.row.id)
        if isinstance(rows, NotLoaded):
            return self._load_media(info)
        return [Media.from_row(row) for row in rows]

    async def _load_media(self, info: Info) -> list[Media]:
        return [Media.from_row(row) for row in await info.context.loaders.media_by_post_id.load(self.row.id)]

    @strawberry.field(graphql_type=bool)
    def viewer_has_liked(self, info: Info) -> bool | Awaitable[bool]:
        liked = peek(info.context.loaders.viewer_has_liked_by_post_id, self.row.id)
        if isinstance(liked, NotLoaded):
            return info.context.loaders.viewer_has_liked_by_post_id.load(self.row.id)
        return liked

    @strawberry.field(
        description="How many times signed-in accounts other than the author have seen the post (recordViews)."
    )
    async def view_count(self, info: Info) -> int:
        return await info.context.loaders.view_count_by_post_id.load(self.row.id)

    @strawberry.field(description="Whether the viewer saved the post (savePost).")
    async def viewer_has_saved(self, info: Info) -> bool:
        return await info.context.loaders.viewer_has_saved_by_post_id.load(self.row.id)

    @strawberry.field(
        description="Views, reach, likes, comments and saves; for the post's author only, null for others."
    )
    async def insights(self, info: Info) -> PostInsights | None:
        if not insights.may_see(info.context.viewer_id, self.row):
            return None
        found = await info.context.loaders.insights_by_post_id.load(self.row.id)
        return PostInsights.from_insights(found) if found is not None else None

    @strawberry.field(graphql_type=list[Comment], description="The first two comments, for a feed card.")
    def preview_comments(self, info: Info) -> list[Comment] | Awaitable[list[Comment]]:
        rows = peek(info.context.loaders.first_comments_by_post_id, self.row.id)
        if isinstance(rows, NotLoaded):
            return self._load_preview_comments(info)
        shown = _shown_authors_now(info, [row.author_id for row in rows])
        if isinstance(shown, NotLoaded):
            return self._load_preview_comments(info)
        return [Comment.from_row(row) for row in rows if row.author_id in shown]

    async def _load_preview_comments(self, info: Info) -> list[Comment]:
        rows = await info.context.loaders.first_comments_by_post_id.load(self.row.id)
        shown = await _shown_authors(info, [row.author_id for row in rows])
        return [Comment.from_row(row) for row in rows if row.author_id in shown]

    @strawberry.field(description="Top-level comments, oldest first.")
    async def comments(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Comment]:
        return await comment_connection(info, self.row.id, None, first, after)

    @strawberry.field(description="Who liked the post, newest first.")
    async def likers(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[User]:
        request = page_request(info.context.stores.settings, first, after, cursor_arity=2)
        cursor_after = (request.after[0], request.after[1]) if request.after else None
        entries = await post_lists.likers(info.context.stores, self.row.id, request.first + 1, cursor_after)
        shown = await _shown_authors(info, [uid for uid, _ in entries])
        return Connection[User].build(
            entries, request, node=lambda e: shown.get(e[0]), cursor=lambda e: encode_cursor(e[1], e[0])
        )


async def warm_cards(info: Info, posts: Sequence[PostRow], fields: Collection[str]) -> None:
    """Load what the requested card fields need for every post of a list at once, so each
    field of each card answers without awaiting. A load that fails here is not raised: the
    field that needs it awaits the same failed load and reports the error in its place."""
    loaders = info.context.loaders
    ids = [post.id for post in posts]
    loads: list[Awaitable[object]] = []
    if "author" in fields:
        loads.append(loaders.user_by_id.load_many({post.author_id for post in posts}))
    if "media" in fields:
        loads.append(loaders.media_by_post_id.load_many(ids))
    if "viewerHasLiked" in fields:
        loads.append(loaders.viewer_has_liked_by_post_id.load_many(ids))
    previews = loaders.first_comments_by_post_id.load_many(ids) if "previewComments" in fields else None
    results = await asyncio.gather(*loads, *([previews] if previews else []), return_exceptions=True)
    if previews is None or isinstance(results[-1], BaseException):
        return
    comments: list[list[CommentRow]] = results[-1]  # type: ignore[assignment]
    author_ids = list({comment.author_id for rows in comments for comment in rows})
    await asyncio.gather(
        loaders.user_by_id.load_many(author_ids),
        loaders.hidden_by_user_id.load_many(author_ids),
        return_exceptions=True,
    )
