"""Creating and withdrawing notifications, run by jobs the outbox records with each action.

Each job reconciles one (kind, actor, recipient, post, comment) with the truth at the time
it runs: if the action still stands (the like, the follow, the comment...) and may be
shown, the actor is put behind the recipient's notification; otherwise the actor is taken
out. So jobs may run late, twice or out of order (a like and its undo) and still agree
with what is stored. Nothing for one's own actions, nothing across a block, nothing about
a post the recipient may not see.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db import engagement as engagement_queries
from db import notifications as queries
from db import posts as post_queries
from db import users as user_queries
from db.content import Post
from db.models import AccountStatus
from db.notifications import NotificationKind
from db.outbox import OutboxEvent
from graph import social as graph_social
from graph.social import Relationship
from jobs import names
from services import captions, live, outbox, privacy
from services.stores import Stores

log = logging.getLogger(__name__)

# Kinds whose notifications gather several actors (Instagram's "alice and 12 others ...").
GROUPED = {NotificationKind.LIKE, NotificationKind.COMMENT, NotificationKind.FOLLOW}


@dataclass(frozen=True, slots=True)
class Subject:
    kind: NotificationKind
    actor_id: int
    recipient_id: int
    post_id: int | None = None
    comment_id: int | None = None

    def group_key(self, today: dt.date) -> str:
        if self.kind is NotificationKind.LIKE or self.kind is NotificationKind.COMMENT:
            return f"{self.kind}:{self.post_id}"
        if self.kind is NotificationKind.FOLLOW:
            return f"{self.kind}:{today.isoformat()}"  # the day's new followers together
        return f"{self.kind}:{self.actor_id}:{self.post_id}:{self.comment_id}"

    def args(self) -> list[int | str | None]:
        return [self.kind.value, self.actor_id, self.recipient_id, self.post_id, self.comment_id]


async def _post_visible_to(stores: Stores, recipient_id: int, post: Post) -> bool:
    async with stores.sessions() as session:
        author = (await user_queries.by_ids(session, [post.author_id])).get(post.author_id)
    if author is None:
        return False
    relationship = privacy.NO_RELATIONSHIP
    if recipient_id != author.id:
        relationship = await graph_social.relationship(stores.graph, recipient_id, author.id)
    return privacy.can_view_post(recipient_id, post, author, relationship)


async def _stands(stores: Stores, subject: Subject, relationship: Relationship) -> bool:
    """Whether the action behind the subject still holds, and its post may be shown."""
    kind = subject.kind
    if kind is NotificationKind.FOLLOW:
        return relationship.followed_by
    if kind is NotificationKind.FOLLOW_REQUEST:
        return (await graph_social.relationship(stores.graph, subject.actor_id, subject.recipient_id)).requested
    if kind is NotificationKind.FOLLOW_ACCEPTED:
        return relationship.following
    async with stores.sessions() as session:
        post = (await post_queries.posts_by_ids(session, [subject.post_id or 0])).get(subject.post_id or 0)
        if post is None or not await _action_exists(session, subject, post):
            return False
    return await _post_visible_to(stores, subject.recipient_id, post)


async def _action_exists(session: AsyncSession, subject: Subject, post: Post) -> bool:
    kind, actor = subject.kind, subject.actor_id
    if kind is NotificationKind.LIKE:
        return post.author_id == subject.recipient_id and bool(
            await engagement_queries.liked_post_ids(session, actor, [post.id])
        )
    if kind is NotificationKind.NEW_POST:
        return post.author_id == actor and await queries.has_alert(session, subject.recipient_id, actor)
    if kind is NotificationKind.COMMENT:
        return post.author_id == subject.recipient_id and await engagement_queries.has_shown_comment(
            session, post.id, actor, parent_id=None
        )
    if kind is NotificationKind.REPLY:
        parent = (await engagement_queries.comments_by_ids(session, [subject.comment_id or 0])).get(
            subject.comment_id or 0
        )
        return (
            parent is not None
            and parent.deleted_at is None
            and parent.author_id == subject.recipient_id
            and await engagement_queries.has_shown_comment(session, post.id, actor, parent_id=parent.id)
        )
    # MENTION: in the post's caption, or in one comment's text.
    recipient = (await user_queries.by_ids(session, [subject.recipient_id])).get(subject.recipient_id)
    if recipient is None:
        return False
    if subject.comment_id is None:
        return post.author_id == actor and recipient.username in captions.mentions(post.caption)
    # The comment, and the one it replies to, must be there for the recipient to see.
    comment = (await engagement_queries.comments_by_ids(session, [subject.comment_id])).get(subject.comment_id)
    if comment is None or comment.author_id != actor or recipient.username not in captions.mentions(comment.text):
        return False
    thread = await engagement_queries.comments_with_word_flags(session, [comment.id, comment.parent_id or 0])
    return all(
        c.deleted_at is None and (c.author_id == recipient.id or (c.hidden_at is None and not worded))
        for c, worded in thread.values()
    )


async def reconcile(stores: Stores, subject: Subject) -> bool:
    """Make the recipient's notifications agree with the action; True if they changed."""
    if subject.actor_id == subject.recipient_id:
        return False
    async with stores.sessions() as session:
        people = await user_queries.by_ids(session, [subject.actor_id, subject.recipient_id])
    relationship = await graph_social.relationship(stores.graph, subject.recipient_id, subject.actor_id)
    actor = people.get(subject.actor_id)
    shown = (
        actor is not None
        and actor.status is AccountStatus.ACTIVE
        and subject.recipient_id in people
        and not relationship.blocked_either_way
        and await _stands(stores, subject, relationship)
    )
    key = subject.group_key(dt.datetime.now(dt.UTC).date())
    async with stores.sessions.begin() as session:
        if shown:
            notification_id = await queries.add_actor(
                session,
                recipient_id=subject.recipient_id,
                kind=subject.kind,
                group_key=key,
                actor_id=subject.actor_id,
                post_id=subject.post_id,
                comment_id=subject.comment_id,
            )
            changed = notification_id is not None
        else:
            changed = await queries.remove_actor(
                session, recipient_id=subject.recipient_id, group_key=key, actor_id=subject.actor_id
            )
            notification_id = None
    if notification_id is not None:
        await live.publish(stores, subject.recipient_id, notification_id)
    return changed


async def alert_followers(stores: Stores, post_id: int) -> int:
    """NEW_POST for everyone who turned on alerts for the post's author; returns how many."""
    async with stores.sessions() as session:
        post = (await post_queries.posts_by_ids(session, [post_id])).get(post_id)
        subscribers = await queries.alert_subscribers(session, post.author_id) if post else []
    if post is None:
        return 0
    changed = 0
    for user_id in subscribers:
        subject = Subject(NotificationKind.NEW_POST, post.author_id, user_id, post.id)
        changed += await reconcile(stores, subject)
    return changed


async def withdraw_post(stores: Stores, post_id: int) -> None:
    """A deleted post takes every notification about it along."""
    async with stores.sessions.begin() as session:
        await queries.delete_for_post(session, post_id)


async def forget_between(stores: Stores, a: int, b: int) -> None:
    """After a block, neither keeps notifications from the other."""
    async with stores.sessions.begin() as session:
        await queries.remove_actor_everywhere(session, a, b)
        await queries.remove_actor_everywhere(session, b, a)


def job(kind: NotificationKind, actor_id: int, recipient_id: int, post_id: int | None = None) -> outbox.Job:
    """The outbox job that reconciles one notification subject."""
    return (names.NOTIFICATIONS, names.SYNC_NOTIFICATION, Subject(kind, actor_id, recipient_id, post_id).args())


def record(session: AsyncSession, subject: Subject) -> OutboxEvent:
    """Owe the reconciliation of ``subject`` in the caller's transaction."""
    return outbox.record(session, names.NOTIFICATIONS, names.SYNC_NOTIFICATION, *subject.args())
