"""Pages of posts, likers and comments; the caller has already applied the privacy policy."""

from __future__ import annotations

from collections.abc import Sequence

from db import engagement as engagement_queries
from db import posts as post_queries
from db.content import Audience, Comment, Post
from services.stores import Stores


async def author_posts(
    stores: Stores, author_id: int, audiences: Sequence[Audience], limit: int, before_id: int | None
) -> list[Post]:
    if not audiences or limit == 0:
        return []
    async with stores.sessions() as session:
        return await post_queries.author_posts(session, author_id, audiences, limit, before_id)


async def likers(stores: Stores, post_id: int, limit: int, after: tuple[int, int] | None) -> list[tuple[int, int]]:
    if limit == 0:
        return []
    async with stores.sessions() as session:
        return await engagement_queries.likers_page(session, post_id, limit, after)


async def comments(
    stores: Stores, post_id: int, parent_id: int | None, limit: int, after: int | None, *, viewer_id: int | None
) -> list[Comment]:
    """Comments the viewer may see: not hidden by moderation, and none holding the post
    author's hidden words unless the viewer wrote them."""
    if limit == 0:
        return []
    async with stores.sessions() as session:
        return await engagement_queries.comments_page(
            session, post_id, parent_id, limit, after, shown_only=True, viewer_id=viewer_id
        )
