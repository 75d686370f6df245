"""Likes and comments, counted exactly on the post in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from db import engagement as queries
from db import posts as post_queries
from db.content import Comment, Post
from db.notifications import NotificationKind
from services import captions, content_filter, notify, outbox, validation
from services.errors import DomainError, ErrorCode
from services.post_access import visible_comment, visible_post
from services.stores import Stores


async def like_post(stores: Stores, viewer_id: int, post_id: int) -> Post:
    """Like a post the viewer can see; liking twice changes nothing."""
    return await _set_like(stores, viewer_id, post_id, queries.add_like)


async def unlike_post(stores: Stores, viewer_id: int, post_id: int) -> Post:
    return await _set_like(stores, viewer_id, post_id, queries.remove_like)


async def _set_like(
    stores: Stores, viewer_id: int, post_id: int, change: Callable[[AsyncSession, int, int], Awaitable[bool]]
) -> Post:
    post = await visible_post(stores, viewer_id, post_id)
    events = []
    async with stores.sessions.begin() as session:
        if await change(session, post_id, viewer_id):
            subject = notify.Subject(NotificationKind.LIKE, viewer_id, post.author_id, post_id)
            events.append(notify.record(session, subject))
    await outbox.dispatch(stores, events)
    return await visible_post(stores, viewer_id, post_id)


async def _comment_subjects(
    stores: Stores, comment: Comment, post: Post, parent: Comment | None
) -> list[notify.Subject]:
    """The notifications a comment makes: to the post's author (or, for a reply, the
    comment's author) and to everyone it mentions."""
    actor = comment.author_id
    subjects = [
        notify.Subject(NotificationKind.REPLY, actor, parent.author_id, post.id, parent.id)
        if parent is not None
        else notify.Subject(NotificationKind.COMMENT, actor, post.author_id, post.id)
    ]
    async with stores.sessions() as session:
        mentioned = await post_queries.user_ids_by_usernames(session, captions.mentions(comment.text))
    subjects += [notify.Subject(NotificationKind.MENTION, actor, uid, post.id, comment.id) for uid in mentioned]
    return subjects


def _check_comment_text(stores: Stores, text: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(ErrorCode.INVALID_INPUT, "Write something first.", "text")
    problem = validation.check_text(text, stores.settings.comment_max_length, "text")
    problem = problem or content_filter.banned_words_problem(stores.settings, text, "text")
    if problem is not None:
        raise problem
    return text


async def add_comment(
    stores: Stores, viewer_id: int, post_id: int, text: str, reply_to_id: int | None = None
) -> Comment:
    """Comment on a post, or reply to a comment on it (replies stay one level deep)."""
    text = _check_comment_text(stores, text)
    post = await visible_post(stores, viewer_id, post_id)
    parent: Comment | None = None
    if reply_to_id is not None:
        found = await visible_comment(stores, viewer_id, reply_to_id)
        if found is None or found[0].post_id != post_id:
            raise DomainError(ErrorCode.NOT_FOUND, "No such comment on this post.", "replyToId")
        # A reply to a reply joins the same thread, as on Instagram.
        parent = found[0]
        if parent.parent_id is not None:
            async with stores.sessions() as session:
                parent = (await queries.comments_by_ids(session, [parent.parent_id]))[parent.parent_id]
    parent_id = parent.id if parent is not None else None
    async with stores.sessions.begin() as session:
        if parent_id is not None and not await queries.lock_live_comment(session, parent_id):
            raise DomainError(ErrorCode.NOT_FOUND, "No such comment on this post.", "replyToId")
        comment = Comment(post_id=post_id, author_id=viewer_id, parent_id=parent_id, text=text)
        session.add(comment)
        await queries.count_new_comment(session, post_id, parent_id)
        await session.flush()
        await session.refresh(comment)
        events = [notify.record(session, s) for s in await _comment_subjects(stores, comment, post, parent)]
    await outbox.dispatch(stores, events)
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
    async with stores.sessions() as session:
        parent_id = comment.parent_id or 0
        parent = (await queries.comments_by_ids(session, [parent_id])).get(parent_id)
        # Its replies go with a top-level comment, and so do the notifications they made.
        replies = await queries.comments_page(session, post.id, comment.id, 10_000, None) if parent is None else []
    subjects = await _comment_subjects(stores, comment, post, parent)
    for reply in replies:
        subjects += await _comment_subjects(stores, reply, post, comment)
    async with stores.sessions.begin() as session:
        # Locked and re-checked: two deletes at once must not both count the comment out.
        if not await queries.lock_live_comment(session, comment_id):
            raise DomainError(ErrorCode.NOT_FOUND, "No such comment.", "commentId")
        await queries.soft_delete_comment(session, comment_id, dt.datetime.now(dt.UTC))
        events = [notify.record(session, subject) for subject in subjects]
    await outbox.dispatch(stores, events)
    return comment
