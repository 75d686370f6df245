"""The Post and Comment types: everything a permitted viewer sees of a post."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import strawberry
from strawberry import relay

from db.content import Audience
from db.content import Comment as CommentRow
from db.content import Post as PostRow
from graph.social import Relationship
from schema.context import Context
from schema.insights import PostInsights
from schema.media import Media
from schema.relay import Connection, encode_cursor, page_request
from schema.users import User
from services import insights, post_lists, privacy

AudienceEnum = strawberry.enum(Audience, name="Audience")
Info = strawberry.Info[Context, None]


async def _shown_authors(info: Info, author_ids: Sequence[int]) -> dict[int, User]:
    """Authors the viewer may see: comments and likes of blocked people are left out."""
    context = info.context
    rows = await context.loaders.user_by_id.load_many(list(author_ids))
    hidden = await context.loaders.hidden_by_user_id.load_many(list(author_ids))
    return {
        row.id: User.from_row(row)
        for row, blocked in zip(rows, hidden, strict=True)
        if row is not None and privacy.can_view_profile(context.viewer_id, row, Relationship(blocking=blocked))
    }


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

    @strawberry.field
    async def author(self, info: Info) -> User | None:
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

    @strawberry.field
    async def author(self, info: Info) -> User:
        row = await info.context.loaders.user_by_id.load(self.row.author_id)
        assert row is not None  # posts are shown only with their author
        return User.from_row(row)

    @strawberry.field
    async def hashtags(self, info: Info) -> list[str]:
        return await info.context.loaders.hashtags_by_post_id.load(self.row.id)

    @strawberry.field
    async def media(self, info: Info) -> list[Media]:
        return [Media.from_row(row) for row in await info.context.loaders.media_by_post_id.load(self.row.id)]

    @strawberry.field
    async def viewer_has_liked(self, info: Info) -> bool:
        return await info.context.loaders.viewer_has_liked_by_post_id.load(self.row.id)

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

    @strawberry.field(description="The first two comments, for a feed card.")
    async def preview_comments(self, info: Info) -> list[Comment]:
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
