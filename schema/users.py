"""The User type: profile fields, counts, the viewer's relationship, follower lists."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from db.models import User as UserRow
from graph.listing import Listing
from graph.social import Relationship
from schema.context import Context
from schema.relay import Connection, encode_cursor, page_request
from services import content_filter, post_lists, privacy, social_lists
from services.privacy import NO_RELATIONSHIP

if TYPE_CHECKING:
    from schema.posts import Post

# Post refers to User (authors, commenters, likers) as it is defined; User refers back through
# strawberry.lazy, resolved on first use, so neither module imports the other back.
LAZY_POST: strawberry.LazyType[Any, Any] = strawberry.LazyType("Post", "schema.posts")


@strawberry.type(name="User", description="A person on Shutter.")
class User(relay.Node):
    id: relay.NodeID[int]
    username: str
    full_name: str
    bio: str
    is_private: bool
    created_at: dt.datetime
    row: strawberry.Private[UserRow]

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=row.id,
            username=row.username,
            full_name=row.full_name,
            bio=row.bio,
            is_private=row.is_private,
            created_at=row.created_at,
            row=row,
        )

    async def _relationship(self, info: strawberry.Info[Context, None]) -> Relationship:
        if info.context.viewer_id is None:
            return NO_RELATIONSHIP
        return await info.context.loaders.relationship_by_user_id.load(self.row.id)

    @strawberry.field(description="Only the account's owner sees it.")
    def email(self, info: strawberry.Info[Context, None]) -> str | None:
        return self.row.email if info.context.viewer_id == self.row.id else None

    @strawberry.field(description="Words whose comments on this user's posts only their authors see; owner only.")
    async def hidden_words(self, info: strawberry.Info[Context, None]) -> list[str] | None:
        if info.context.viewer_id != self.row.id:
            return None
        return await content_filter.hidden_words(info.context.stores, self.row.id)

    @strawberry.field
    async def follower_count(self, info: strawberry.Info[Context, None]) -> int:
        return (await info.context.loaders.follow_counts_by_user_id.load(self.row.id))[0]

    @strawberry.field
    async def following_count(self, info: strawberry.Info[Context, None]) -> int:
        return (await info.context.loaders.follow_counts_by_user_id.load(self.row.id))[1]

    @strawberry.field(description="The viewer follows this user (approved).")
    async def viewer_is_following(self, info: strawberry.Info[Context, None]) -> bool:
        return (await self._relationship(info)).following

    @strawberry.field(description="This user follows the viewer.")
    async def follows_viewer(self, info: strawberry.Info[Context, None]) -> bool:
        return (await self._relationship(info)).followed_by

    @strawberry.field(description="The viewer asked to follow this private account; not yet approved.")
    async def viewer_has_requested(self, info: strawberry.Info[Context, None]) -> bool:
        return (await self._relationship(info)).requested

    @strawberry.field(description="The viewer blocks this user.")
    async def viewer_has_blocked(self, info: strawberry.Info[Context, None]) -> bool:
        return (await self._relationship(info)).blocking

    async def _people(
        self, info: strawberry.Info[Context, None], listing: Listing, first: int | None, after: str | None
    ) -> Connection[User]:
        visible = privacy.can_view_content(info.context.viewer_id, self.row, await self._relationship(info))
        return await people_connection(info, listing, self.row.id, first, after, visible=visible)

    @strawberry.field(description="How many posts the user has, as the viewer may know it.")
    async def post_count(self, info: strawberry.Info[Context, None]) -> int:
        audiences = privacy.counted_audiences(info.context.viewer_id, self.row, await self._relationship(info))
        counts = await info.context.loaders.post_counts_by_user_id.load(self.row.id)
        return sum(counts.get(audience, 0) for audience in audiences)

    @strawberry.field(description="The user's posts the viewer may see, newest first.")
    async def posts(
        self, info: strawberry.Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Post, strawberry.lazy("schema.posts")]]:
        post: type[Post] = LAZY_POST.resolve_type()
        context = info.context
        request = page_request(context.stores.settings, first, after, cursor_arity=1)
        audiences = privacy.visible_audiences(context.viewer_id, self.row, await self._relationship(info))
        before = request.after[0] if request.after else None
        rows = await post_lists.author_posts(context.stores, self.row.id, audiences, request.first + 1, before)
        return Connection.build(rows, request, node=post.from_row, cursor=lambda row: encode_cursor(row.id))

    @strawberry.field(description="Who follows this user, newest first. Empty when hidden from the viewer.")
    async def followers(
        self, info: strawberry.Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[User]:
        return await self._people(info, Listing.FOLLOWERS, first, after)

    @strawberry.field(description="Whom this user follows, newest first. Empty when hidden from the viewer.")
    async def following(
        self, info: strawberry.Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[User]:
        return await self._people(info, Listing.FOLLOWING, first, after)


async def people_connection(
    info: strawberry.Info[Context, None],
    listing: Listing,
    user_id: int,
    first: int | None,
    after: str | None,
    *,
    visible: bool,
    hide_blocked: bool = True,
) -> Connection[User]:
    """A page of users on one side of ``user_id``'s edges, minus anyone hidden from the viewer."""
    context = info.context
    request = page_request(context.stores.settings, first, after, cursor_arity=2)
    cursor_after = (request.after[0], request.after[1]) if request.after else None
    entries = await social_lists.page(
        context.stores, listing, user_id, request.first + 1, cursor_after, visible=visible
    )
    ids = [uid for uid, _ in entries]
    rows = await context.loaders.user_by_id.load_many(ids)
    relationships = await context.loaders.relationship_by_user_id.load_many(ids)
    shown = {
        row.id: row
        for row, relationship in zip(rows, relationships, strict=True)
        if row is not None and (privacy.can_view_profile(context.viewer_id, row, relationship) or not hide_blocked)
    }
    # The cursor holds (since, id) so the next page starts strictly after this edge.
    return Connection[User].build(
        entries,
        request,
        node=lambda e: User.from_row(shown[e[0]]) if e[0] in shown else None,
        cursor=lambda e: encode_cursor(e[1], e[0]),
    )
