"""Following, follow requests, removing followers and blocking."""

from __future__ import annotations

import enum
import time

from db import users as user_queries
from db.models import AccountStatus, User
from db.notifications import NotificationKind
from graph import social as graph_social
from graph.social import FollowOutcome
from jobs import names
from services import feed_sources, follow_counts, notify, outbox
from services.errors import DomainError, ErrorCode
from services.stores import Stores


class FollowStatus(enum.StrEnum):
    FOLLOWING = "FOLLOWING"
    REQUESTED = "REQUESTED"
    NOT_FOLLOWING = "NOT_FOLLOWING"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _not_found(field: str = "userId") -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "No such user.", field)


async def _load_target(stores: Stores, user_id: int, field: str = "userId") -> User:
    async with stores.sessions() as session:
        user = (await user_queries.by_ids(session, [user_id])).get(user_id)
    if user is None or user.status is AccountStatus.SUSPENDED:
        raise _not_found(field)
    return user


async def _hidden_from(stores: Stores, viewer_id: int, target_id: int) -> bool:
    """Whether the target blocks the viewer: then it must look exactly like a missing user."""
    relationship = await graph_social.relationship(stores.graph, viewer_id, target_id)
    return relationship.blocked_by


async def _visible_target(stores: Stores, viewer_id: int, user_id: int) -> User:
    target = await _load_target(stores, user_id)
    if await _hidden_from(stores, viewer_id, user_id):
        raise _not_found()
    return target


async def follow(stores: Stores, viewer_id: int, target_id: int) -> tuple[FollowStatus, User]:
    """Follow a public account, or request to follow a private one. Repeating is harmless."""
    if viewer_id == target_id:
        raise DomainError(ErrorCode.CANNOT_FOLLOW_SELF, "You cannot follow yourself.", "userId")
    target = await _load_target(stores, target_id)
    outcome = await graph_social.follow(stores.graph, viewer_id, target_id, private=target.is_private, now=_now_ms())
    if outcome is FollowOutcome.BLOCKED:
        relationship = await graph_social.relationship(stores.graph, viewer_id, target_id)
        if relationship.blocking:
            raise DomainError(ErrorCode.BLOCKED, "Unblock this account to follow it.", "userId")
        raise _not_found()
    await follow_counts.invalidate(stores, viewer_id, target_id)
    if outcome is FollowOutcome.FOLLOWING:
        await _followed(stores, viewer_id, target_id)
    else:
        await outbox.emit(stores, notify.job(NotificationKind.FOLLOW_REQUEST, viewer_id, target_id))
    return FollowStatus(outcome.value), target


async def _followed(stores: Stores, follower_id: int, followee_id: int, *extra: outbox.Job) -> None:
    await feed_sources.forget_contexts(stores, follower_id)
    await feed_sources.forget_followers(stores, followee_id)
    await outbox.emit(
        stores,
        (names.FEED, names.BACKFILL_FOLLOW, [follower_id, followee_id]),
        notify.job(NotificationKind.FOLLOW, follower_id, followee_id),
        *extra,
    )


async def _unfollowed(stores: Stores, follower_id: int, followee_id: int) -> None:
    # The read path stops showing the author's posts as soon as the context is dropped.
    await feed_sources.forget_contexts(stores, follower_id)
    await feed_sources.forget_followers(stores, followee_id)
    await outbox.emit(
        stores,
        (names.FEED, names.PRUNE_UNFOLLOW, [follower_id, followee_id]),
        # Each notification the follow (or the request, or its approval) made is withdrawn.
        notify.job(NotificationKind.FOLLOW, follower_id, followee_id),
        notify.job(NotificationKind.FOLLOW_REQUEST, follower_id, followee_id),
        notify.job(NotificationKind.FOLLOW_ACCEPTED, followee_id, follower_id),
    )


async def unfollow(stores: Stores, viewer_id: int, target_id: int) -> User:
    """Stop following, or withdraw a pending request."""
    target = await _visible_target(stores, viewer_id, target_id)
    await graph_social.unfollow(stores.graph, viewer_id, target_id)
    await follow_counts.invalidate(stores, viewer_id, target_id)
    await _unfollowed(stores, viewer_id, target_id)
    return target


async def approve_follow_request(stores: Stores, viewer_id: int, requester_id: int) -> User:
    requester = await _visible_target(stores, viewer_id, requester_id)
    if not await graph_social.approve_request(stores.graph, viewer_id, requester_id, _now_ms()):
        # Approving again is harmless; approving someone who never asked is not.
        relationship = await graph_social.relationship(stores.graph, viewer_id, requester_id)
        if not relationship.followed_by:
            raise DomainError(ErrorCode.NOT_FOUND, "No pending request from this user.", "userId")
    await follow_counts.invalidate(stores, viewer_id, requester_id)
    await _followed(
        stores,
        requester_id,
        viewer_id,
        notify.job(NotificationKind.FOLLOW_REQUEST, requester_id, viewer_id),
        notify.job(NotificationKind.FOLLOW_ACCEPTED, viewer_id, requester_id),
    )
    return requester


async def reject_follow_request(stores: Stores, viewer_id: int, requester_id: int) -> User:
    requester = await _visible_target(stores, viewer_id, requester_id)
    if not await graph_social.reject_request(stores.graph, viewer_id, requester_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No pending request from this user.", "userId")
    await outbox.emit(stores, notify.job(NotificationKind.FOLLOW_REQUEST, requester_id, viewer_id))
    return requester


async def remove_follower(stores: Stores, viewer_id: int, follower_id: int) -> User:
    follower = await _visible_target(stores, viewer_id, follower_id)
    await graph_social.remove_follower(stores.graph, viewer_id, follower_id)
    await follow_counts.invalidate(stores, viewer_id, follower_id)
    await _unfollowed(stores, follower_id, viewer_id)
    return follower


async def block(stores: Stores, viewer_id: int, target_id: int) -> User | None:
    """Block a user: every follow and request between the two goes, both ways.

    Blocking someone who blocks you works, but their profile stays hidden (None).
    """
    if viewer_id == target_id:
        raise DomainError(ErrorCode.CANNOT_BLOCK_SELF, "You cannot block yourself.", "userId")
    target = await _load_target(stores, target_id)
    await graph_social.block(stores.graph, viewer_id, target_id, _now_ms())
    await follow_counts.invalidate(stores, viewer_id, target_id)
    await feed_sources.forget_contexts(stores, viewer_id, target_id)
    await feed_sources.forget_followers(stores, viewer_id, target_id)
    await outbox.emit(
        stores,
        (names.FEED, names.PRUNE_BLOCK, [viewer_id, target_id]),
        (names.NOTIFICATIONS, names.FORGET_NOTIFICATIONS_BETWEEN, [viewer_id, target_id]),
    )
    return None if await _hidden_from(stores, viewer_id, target_id) else target


async def unblock(stores: Stores, viewer_id: int, target_id: int) -> User | None:
    target = await _load_target(stores, target_id)
    await graph_social.unblock(stores.graph, viewer_id, target_id)
    await feed_sources.forget_contexts(stores, viewer_id, target_id)
    return None if await _hidden_from(stores, viewer_id, target_id) else target


async def add_close_friend(stores: Stores, viewer_id: int, friend_id: int) -> User:
    """Let ``friend_id`` see the viewer's CLOSE_FRIENDS posts."""
    if viewer_id == friend_id:
        raise DomainError(ErrorCode.INVALID_INPUT, "You are always among your own close friends.", "userId")
    friend = await _visible_target(stores, viewer_id, friend_id)
    if await graph_social.add_close_friend(stores.graph, viewer_id, friend_id, _now_ms()) is FollowOutcome.BLOCKED:
        raise DomainError(ErrorCode.BLOCKED, "Unblock this account first.", "userId")
    await feed_sources.forget_contexts(stores, friend_id)
    return friend


async def remove_close_friend(stores: Stores, viewer_id: int, friend_id: int) -> User:
    friend = await _load_target(stores, friend_id)
    await graph_social.remove_close_friend(stores.graph, viewer_id, friend_id)
    await feed_sources.forget_contexts(stores, friend_id)
    return friend
