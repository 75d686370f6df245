"""Every actor. Each takes ids, reloads state, and is safe to run twice."""

from __future__ import annotations

import dramatiq

from db.notifications import NotificationKind
from jobs import names
from jobs.broker import serve_jobs
from jobs.worker.middleware import worker_middleware
from jobs.worker.runtime import worker_stores
from services import accounts, fanout, media_cleanup, media_processing, notify

serve_jobs(worker_middleware)


@dramatiq.actor(queue_name=names.MAINTENANCE, actor_name=names.PRUNE_REFRESH_TOKENS, max_retries=5)
async def prune_refresh_tokens(user_id: int) -> None:
    """Drop a user's expired refresh tokens; used ones stay until expiry to catch reuse."""
    await accounts.prune_expired_tokens(worker_stores(), user_id)


@dramatiq.actor(queue_name=names.MEDIA, actor_name=names.PROCESS_MEDIA, max_retries=8, time_limit=15 * 60 * 1000)
async def process_media(media_id: int) -> None:
    """Verify and process one upload; storage errors are retried with backoff."""
    await media_processing.process_media(worker_stores(), media_id)


@dramatiq.actor(queue_name=names.MEDIA, actor_name=names.PURGE_DELETED_POST, max_retries=8)
async def purge_deleted_post(post_id: int) -> None:
    """Remove a deleted post's media and bytes."""
    await media_cleanup.purge_deleted_post(worker_stores(), post_id)


@dramatiq.actor(queue_name=names.FEED, actor_name=names.FAN_OUT_POST, max_retries=8)
async def fan_out_post(post_id: int) -> None:
    """Write a new post into followers' timelines; repeating adds nothing twice."""
    await fanout.fan_out_post(worker_stores(), post_id)


@dramatiq.actor(queue_name=names.FEED, actor_name=names.RETRACT_POST, max_retries=8)
async def retract_post(post_id: int) -> None:
    """Take a deleted post out of every timeline."""
    await fanout.retract_post(worker_stores(), post_id)


@dramatiq.actor(queue_name=names.FEED, actor_name=names.BACKFILL_FOLLOW, max_retries=8)
async def backfill_follow(follower_id: int, followee_id: int) -> None:
    """Bring a newly followed author's recent posts into the follower's timeline."""
    await fanout.backfill_follow(worker_stores(), follower_id, followee_id)


@dramatiq.actor(queue_name=names.FEED, actor_name=names.PRUNE_UNFOLLOW, max_retries=8)
async def prune_unfollow(follower_id: int, followee_id: int) -> None:
    """Take an unfollowed author's posts out of the former follower's timeline."""
    await fanout.prune_unfollow(worker_stores(), follower_id, followee_id)


@dramatiq.actor(queue_name=names.FEED, actor_name=names.PRUNE_BLOCK, max_retries=8)
async def prune_block(blocker_id: int, blocked_id: int) -> None:
    """Take each user's posts out of the other's timeline after a block."""
    await fanout.prune_block(worker_stores(), blocker_id, blocked_id)


@dramatiq.actor(queue_name=names.NOTIFICATIONS, actor_name=names.SYNC_NOTIFICATION, max_retries=8)
async def sync_notification(
    kind: str, actor_id: int, recipient_id: int, post_id: int | None, comment_id: int | None
) -> None:
    """Make one recipient's notification agree with the action behind it (made or undone)."""
    subject = notify.Subject(NotificationKind(kind), actor_id, recipient_id, post_id, comment_id)
    await notify.reconcile(worker_stores(), subject)


@dramatiq.actor(queue_name=names.NOTIFICATIONS, actor_name=names.ALERT_FOLLOWERS, max_retries=8)
async def alert_followers(post_id: int) -> None:
    """NEW_POST notifications for those who turned on the author's post alerts."""
    await notify.alert_followers(worker_stores(), post_id)


@dramatiq.actor(queue_name=names.NOTIFICATIONS, actor_name=names.WITHDRAW_POST_NOTIFICATIONS, max_retries=8)
async def withdraw_post_notifications(post_id: int) -> None:
    """A deleted post takes its notifications along."""
    await notify.withdraw_post(worker_stores(), post_id)


@dramatiq.actor(queue_name=names.NOTIFICATIONS, actor_name=names.FORGET_NOTIFICATIONS_BETWEEN, max_retries=8)
async def forget_notifications_between(a: int, b: int) -> None:
    """After a block, neither keeps notifications from the other."""
    await notify.forget_between(worker_stores(), a, b)
