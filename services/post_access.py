"""Loading a post for a viewer through the privacy policy: hidden looks like missing."""

from __future__ import annotations

from db import posts as post_queries
from db import users as user_queries
from db.content import Post
from graph import social as graph_social
from services import privacy
from services.errors import DomainError, ErrorCode
from services.stores import Stores


def not_found(field: str = "postId") -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "No such post.", field)


async def visible_post(stores: Stores, viewer_id: int | None, post_id: int, field: str = "postId") -> Post:
    """The post if the viewer may see it now; NOT_FOUND otherwise, whatever the reason."""
    async with stores.sessions() as session:
        post = (await post_queries.posts_by_ids(session, [post_id])).get(post_id)
        author = (await user_queries.by_ids(session, [post.author_id])).get(post.author_id) if post else None
    if post is None or author is None:
        raise not_found(field)
    relationship = privacy.NO_RELATIONSHIP
    if viewer_id is not None and viewer_id != author.id:
        relationship = (await graph_social.relationships(stores.graph, viewer_id, [author.id]))[author.id]
    if not privacy.can_view_post(viewer_id, post, author, relationship):
        raise not_found(field)
    return post
