"""Loading a post for a viewer through the privacy policy: hidden looks like missing."""

from __future__ import annotations

from db import engagement as engagement_queries
from db import media as media_queries
from db import posts as post_queries
from db import users as user_queries
from db.content import Comment, Media, Post
from graph import social as graph_social
from services import privacy
from services.errors import DomainError, ErrorCode
from services.roles import is_staff
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
        relationship = await graph_social.relationship(stores.graph, viewer_id, author.id)
    if not privacy.can_view_post(viewer_id, post, author, relationship):
        raise not_found(field)
    return post


async def post_to_review(stores: Stores, viewer_id: int | None, post_id: int, field: str = "postId") -> Post:
    """As ``visible_post``, except that moderators also see what they judge: posts hidden by
    moderation, from private or suspended accounts, or for another audience. Deleted posts
    stay missing. Only reads by id use this: lists, and actions on a post, keep to the policy."""
    try:
        return await visible_post(stores, viewer_id, post_id, field)
    except DomainError:
        if viewer_id is None:
            raise
        async with stores.sessions() as session:
            viewer = (await user_queries.by_ids(session, [viewer_id])).get(viewer_id)
            post = (await post_queries.posts_by_ids(session, [post_id])).get(post_id) if is_staff(viewer) else None
        if post is None or post.deleted_at is not None:
            raise
        return post


async def visible_comment(stores: Stores, viewer_id: int | None, comment_id: int) -> tuple[Comment, Post] | None:
    """A live comment on a post the viewer may see, by an author the viewer may see (the same
    rule as the comment lists), under a parent that passes the same test; else None."""
    async with stores.sessions() as session:
        found = await engagement_queries.comments_with_word_flags(session, [comment_id])
        parent_id = found[comment_id][0].parent_id if comment_id in found else None
        if parent_id is not None:
            found |= await engagement_queries.comments_with_word_flags(session, [parent_id])
        authors = await user_queries.by_ids(session, [c.author_id for c, _ in found.values()])
    if comment_id not in found or (parent_id is not None and parent_id not in found):
        return None
    comment = found[comment_id][0]
    thread = list(found.values())
    # A comment hidden by moderation, or by the post author's hidden words, stays visible to
    # its author alone, as in the comment lists.
    if any(
        c.deleted_at is not None or ((c.hidden_at is not None or worded) and c.author_id != viewer_id)
        for c, worded in thread
    ):
        return None
    try:
        post = await visible_post(stores, viewer_id, comment.post_id)
    except DomainError:
        return None
    others = [uid for uid in {c.author_id for c, _ in thread} if uid != viewer_id]
    relationships = (
        await graph_social.relationships(stores.graph, viewer_id, others) if viewer_id is not None and others else {}
    )
    for c, _ in thread:
        author = authors.get(c.author_id)
        seen = relationships.get(c.author_id, privacy.NO_RELATIONSHIP)
        if author is None or not privacy.can_view_profile(viewer_id, author, seen):
            return None
    return comment, post


async def visible_media(stores: Stores, viewer_id: int | None, media_id: int) -> Media | None:
    """Media in a post is seen through that post, by anyone including its owner (so a deleted
    post's media is gone at once); media not in a post only by its owner."""
    async with stores.sessions() as session:
        media = (await media_queries.media_by_ids(session, [media_id])).get(media_id)
    if media is None:
        return None
    if media.post_id is None:
        return media if viewer_id == media.owner_id else None
    try:
        await visible_post(stores, viewer_id, media.post_id)
    except DomainError:
        return None
    return media
