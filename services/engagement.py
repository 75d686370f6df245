"""Likes and comments, counted exactly on the post in the same transaction."""

from __future__ import annotations

import datetime as dt

from db import engagement as queries
from db.content import Comment, Post
from services import validation
from services.errors import DomainError, ErrorCode
from services.post_access import visible_comment, visible_post
from services.stores import Stores


async def like_post(stores: Stores, viewer_id: int, post_id: int) -> Post:
    """Like a post the viewer can see; liking twice changes nothing."""
    await visible_post(stores, viewer_id, post_id)
    async with stores.sessions.begin() as session:
        await queries.add_like(session, post_id, viewer_id)
    return await visible_post(stores, viewer_id, post_id)


async def unlike_post(stores: Stores, viewer_id: int, post_id: int) -> Post:
    await visible_post(stores, viewer_id, post_id)
    async with stores.sessions.begin() as session:
        await queries.remove_like(session, post_id, viewer_id)
    return await visible_post(stores, viewer_id, post_id)


def _check_comment_text(stores: Stores, text: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(ErrorCode.INVALID_INPUT, "Write something first.", "text")
    problem = validation.check_text(text, stores.settings.comment_max_length, "text")
    if problem is not None:
        raise problem
    return text


async def add_comment(
    stores: Stores, viewer_id: int, post_id: int, text: str, reply_to_id: int | None = None
) -> Comment:
    """Comment on a post, or reply to a comment on it (replies stay one level deep)."""
    text = _check_comment_text(stores, text)
    await visible_post(stores, viewer_id, post_id)
    parent_id = None
    if reply_to_id is not None:
        found = await visible_comment(stores, viewer_id, reply_to_id)
        if found is None or found[0].post_id != post_id:
            raise DomainError(ErrorCode.NOT_FOUND, "No such comment on this post.", "replyToId")
        # A reply to a reply joins the same thread, as on Instagram.
        parent_id = found[0].parent_id or found[0].id
    async with stores.sessions.begin() as session:
        if parent_id is not None and not await queries.lock_live_comment(session, parent_id):
            raise DomainError(ErrorCode.NOT_FOUND, "No such comment on this post.", "replyToId")
        comment = Comment(post_id=post_id, author_id=viewer_id, parent_id=parent_id, text=text)
        session.add(comment)
        await queries.count_new_comment(session, post_id, parent_id)
        await session.flush()
        await session.refresh(comment)
    return comment


async def delete_comment(stores: Stores, viewer_id: int, comment_id: int) -> Comment:
    """Delete a comment: allowed to its author and to the post's author. A comment hidden
    from the viewer looks missing, whoever it belongs to."""
    found = await visible_comment(stores, viewer_id, comment_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such comment.", "commentId")
    comment, post = found
    if viewer_id not in (comment.author_id, post.author_id):
        raise DomainError(ErrorCode.NOT_ALLOWED, "Only its author or the post's author can delete it.", "commentId")
    async with stores.sessions.begin() as session:
        # Locked and re-checked: two deletes at once must not both count the comment out.
        if not await queries.lock_live_comment(session, comment_id):
            raise DomainError(ErrorCode.NOT_FOUND, "No such comment.", "commentId")
        await queries.soft_delete_comment(session, comment_id, dt.datetime.now(dt.UTC))
    return comment
