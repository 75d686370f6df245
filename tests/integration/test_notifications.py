"""Notifications against real stores: every kind, undo, grouping, blocks, privacy."""

from __future__ import annotations

from db.content import Audience
from db.notifications import NotificationKind
from services import content_filter, engagement, notifications, notify, posts, profiles, social
from services.notifications import Shown
from services.stores import Stores
from tests.integration.feedkit import follow, post, users

Kind = NotificationKind


async def _sync_all(stores: Stores) -> None:
    """Run every notification job the outbox holds, as a worker would (in order here)."""
    from sqlalchemy import select

    from db.outbox import OutboxEvent
    from jobs import names
    from services import outbox

    async with stores.sessions() as session:
        events = list(
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.done_at.is_(None), OutboxEvent.queue == names.NOTIFICATIONS)
            )
        )
    for event in sorted(events, key=lambda e: e.id):
        if event.actor == names.SYNC_NOTIFICATION:
            kind, actor, recipient, post_id, comment_id = event.args
            await notify.reconcile(stores, notify.Subject(Kind(kind), actor, recipient, post_id, comment_id))
        elif event.actor == names.ALERT_FOLLOWERS:
            await notify.alert_followers(stores, *event.args)
        elif event.actor == names.WITHDRAW_POST_NOTIFICATIONS:
            await notify.withdraw_post(stores, *event.args)
        elif event.actor == names.FORGET_NOTIFICATIONS_BETWEEN:
            await notify.forget_between(stores, *event.args)
        await outbox.mark_done(stores, event.id)


async def _listed(stores: Stores, viewer: int, unread_only: bool = False) -> list[Shown]:
    rows = await notifications.page(stores, viewer, unread_only=unread_only, before=None, limit=100)
    shown = await notifications.shown(stores, viewer, rows)
    return [shown[row.id] for row in rows if row.id in shown]


async def _liked(stores: Stores, viewer: int) -> set[int | None]:
    return {item.notification.post_id for item in await _listed(stores, viewer) if item.notification.kind is Kind.LIKE}


def _kinds(items: list[Shown]) -> list[tuple[Kind, list[int], int]]:
    return [(item.notification.kind, item.actor_ids, item.actor_count) for item in items]


async def test_likes_group_and_unlike_withdraws(stores: Stores) -> None:
    author, *fans = await users(stores, "ann", "f1", "f2", "f3", "f4", "f5")
    post_id = await post(stores, author)
    for fan in fans:
        await engagement.like_post(stores, fan, post_id)
    await engagement.like_post(stores, author, post_id)  # nothing for one's own like
    await _sync_all(stores)
    [liked] = await _listed(stores, author)
    assert liked.notification.kind is Kind.LIKE and liked.notification.post_id == post_id
    assert liked.actor_count == 5 and liked.actor_ids == fans[::-1][:3]
    assert await notifications.unread_count(stores, author) == 1
    await engagement.unlike_post(stores, fans[-1], post_id)
    await _sync_all(stores)
    [liked] = await _listed(stores, author)
    assert liked.actor_count == 4 and fans[-1] not in liked.actor_ids
    for fan in fans[:-1]:
        await engagement.unlike_post(stores, fan, post_id)
    await _sync_all(stores)
    assert await _listed(stores, author) == []
    assert await notifications.unread_count(stores, author) == 0


async def test_a_late_job_agrees_with_what_is_stored(stores: Stores) -> None:
    author, fan = await users(stores, "ann", "fan")
    post_id = await post(stores, author)
    await engagement.like_post(stores, fan, post_id)
    await engagement.unlike_post(stores, fan, post_id)
    # The like's job runs after the unlike's (out of order): it still finds no like.
    like = notify.Subject(Kind.LIKE, fan, author, post_id)
    assert await notify.reconcile(stores, like) is False
    await _sync_all(stores)
    assert await _listed(stores, author) == []


async def test_comments_replies_and_mentions(stores: Stores) -> None:
    author, ben, cy, dee = await users(stores, "ann", "ben", "cy", "dee")
    post_id = await post(stores, author, "morning light with @dee")
    comment = await engagement.add_comment(stores, ben, post_id, "lovely, look @cy")
    await engagement.add_comment(stores, cy, post_id, "thanks ben", reply_to_id=comment.id)
    await engagement.add_comment(stores, dee, post_id, "agreed @ann", reply_to_id=comment.id)
    await _sync_all(stores)
    assert _kinds(await _listed(stores, author)) == [(Kind.MENTION, [dee], 1), (Kind.COMMENT, [ben], 1)]
    assert _kinds(await _listed(stores, ben)) == [(Kind.REPLY, [dee], 1), (Kind.REPLY, [cy], 1)]
    assert _kinds(await _listed(stores, cy)) == [(Kind.MENTION, [ben], 1)]
    assert _kinds(await _listed(stores, dee)) == [(Kind.MENTION, [author], 1)]
    # Deleting the comment (with its replies) withdraws what they caused; editing the
    # caption, its mention.
    await engagement.delete_comment(stores, ben, comment.id)
    await posts.edit_post(stores, author, post_id, caption="morning light", location=None)
    await _sync_all(stores)
    assert await _listed(stores, author) == []
    assert await _listed(stores, ben) == []
    assert await _listed(stores, cy) == []
    assert await _listed(stores, dee) == []


async def test_nobody_is_told_of_a_comment_they_cannot_see(stores: Stores) -> None:
    author, rude, kind, vic = await users(stores, "ann", "rude", "kind", "vic")
    post_id = await post(stores, author)
    await content_filter.set_hidden_words(stores, author, ["ugly"])
    worded = await engagement.add_comment(stores, rude, post_id, "so ugly, right @vic")
    polite = await engagement.add_comment(stores, kind, post_id, "nice @vic")
    await engagement.add_comment(stores, rude, post_id, "ugly light", reply_to_id=polite.id)
    # A reply under the hidden comment is hidden with it.
    await engagement.add_comment(stores, rude, post_id, "see @vic", reply_to_id=worded.id)
    await _sync_all(stores)
    assert _kinds(await _listed(stores, author)) == [(Kind.COMMENT, [kind], 1)]
    assert _kinds(await _listed(stores, vic)) == [(Kind.MENTION, [kind], 1)]
    [mention] = await _listed(stores, vic)
    assert mention.notification.comment_id == polite.id
    assert _kinds(await _listed(stores, kind)) == []
    assert _kinds(await _listed(stores, rude)) == []


async def test_follows_requests_and_acceptance(stores: Stores) -> None:
    ann, ben, cy, priv = await users(stores, "ann", "ben", "cy", "priv")
    await profiles.update_profile(stores, priv, profiles.ProfileChanges(is_private=True))
    await follow(stores, ben, ann)
    await follow(stores, cy, ann)
    await follow(stores, ben, priv)
    await _sync_all(stores)
    assert _kinds(await _listed(stores, ann)) == [(Kind.FOLLOW, [cy, ben], 2)]
    assert _kinds(await _listed(stores, priv)) == [(Kind.FOLLOW_REQUEST, [ben], 1)]
    await social.approve_follow_request(stores, priv, ben)
    await _sync_all(stores)
    assert _kinds(await _listed(stores, priv)) == [(Kind.FOLLOW, [ben], 1)]
    assert _kinds(await _listed(stores, ben)) == [(Kind.FOLLOW_ACCEPTED, [priv], 1)]
    await social.unfollow(stores, cy, ann)
    await social.unfollow(stores, ben, priv)
    await _sync_all(stores)
    assert _kinds(await _listed(stores, ann)) == [(Kind.FOLLOW, [ben], 1)]
    assert await _listed(stores, priv) == [] and await _listed(stores, ben) == []


async def test_post_alerts_only_for_followers_who_asked(stores: Stores) -> None:
    author, keen, casual = await users(stores, "ann", "keen", "casual")
    await follow(stores, keen, author)
    await follow(stores, casual, author)
    await notifications.set_post_alerts(stores, keen, author, True)
    await _sync_all(stores)
    post_id = await post(stores, author, "new work")
    await _sync_all(stores)
    [alert] = await _listed(stores, keen)  # the FOLLOW ones went to the author
    assert (alert.notification.kind, alert.notification.post_id) == (Kind.NEW_POST, post_id)
    assert await _listed(stores, casual) == []
    await posts.delete_post(stores, author, post_id)
    await _sync_all(stores)
    assert await _listed(stores, keen) == []


async def test_nothing_across_blocks_or_about_hidden_posts(stores: Stores) -> None:
    author, fan, troll = await users(stores, "ann", "fan", "troll")
    public = await post(stores, author)
    await follow(stores, fan, author)
    secret = await post(stores, author, "only followers", Audience.FOLLOWERS)
    await engagement.like_post(stores, troll, public)
    await engagement.like_post(stores, fan, secret)
    await _sync_all(stores)
    assert await _liked(stores, author) == {public, secret}
    await social.block(stores, author, troll)
    await _sync_all(stores)
    assert await _liked(stores, author) == {secret}
    # Mentioning someone in a post they may not see notifies nobody.
    await post(stores, author, "hey @troll", Audience.FOLLOWERS)
    await _sync_all(stores)
    assert await _listed(stores, troll) == []


async def test_mark_read(stores: Stores) -> None:
    author, a, b = await users(stores, "ann", "a1", "b1")
    first, second = await post(stores, author), await post(stores, author)
    await engagement.like_post(stores, a, first)
    await engagement.like_post(stores, b, second)
    await _sync_all(stores)
    listed = await _listed(stores, author)
    assert await notifications.unread_count(stores, author) == 2
    assert await notifications.mark_read(stores, author, [listed[0].notification.id]) == 1
    assert await notifications.mark_read(stores, a, [listed[1].notification.id]) == 0  # not a's
    assert [item.notification.id for item in await _listed(stores, author, unread_only=True)] == [
        listed[1].notification.id
    ]
    assert await notifications.mark_read(stores, author, None) == 1
    assert await notifications.unread_count(stores, author) == 0
    # A new like on a read group brings it back, unread and on top.
    await engagement.like_post(stores, b, first)
    await _sync_all(stores)
    top = (await _listed(stores, author))[0]
    assert (top.notification.post_id, top.actor_count, top.notification.read_at) == (first, 2, None)
