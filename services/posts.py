"""Creating, editing and deleting posts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import posts as post_queries
from db.content import ALT_TEXT_MAX_LENGTH, Audience, MediaStatus, Post
from db.notifications import NotificationKind
from db.outbox import OutboxEvent
from jobs import names
from services import captions, content_filter, notify, outbox, validation
from services.errors import DomainError, ErrorCode, ValidationErrors
from services.stores import Stores

LOCATION_MAX_LENGTH = 200
IDEMPOTENCY_KEY_MAX_LENGTH = 128


@dataclass(frozen=True, slots=True)
class NewPost:
    media_ids: list[int]
    caption: str = ""
    audience: Audience = Audience.EVERYONE
    location: str | None = None
    idempotency_key: str | None = None


def _caption_problems(stores: Stores, caption: str, location: str | None) -> list[DomainError]:
    settings = stores.settings
    problems = [
        problem
        for problem in (
            validation.check_text(caption, settings.caption_max_length, "caption"),
            validation.check_text(location, LOCATION_MAX_LENGTH, "location") if location else None,
            content_filter.banned_words_problem(settings, caption, "caption"),
        )
        if problem is not None
    ]
    if len(captions.hashtags(caption)) > settings.max_hashtags:
        problems.append(
            DomainError(ErrorCode.TOO_MANY_HASHTAGS, f"At most {settings.max_hashtags} hashtags.", "caption")
        )
    if len(captions.mentions(caption)) > settings.max_mentions:
        problems.append(
            DomainError(ErrorCode.TOO_MANY_MENTIONS, f"At most {settings.max_mentions} mentions.", "caption")
        )
    return problems


def _check_new_post(stores: Stores, request: NewPost) -> None:
    limit = stores.settings.max_media_per_post
    problems = _caption_problems(stores, request.caption, request.location)
    if not request.media_ids:
        problems.append(DomainError(ErrorCode.INVALID_INPUT, "A post needs at least one photo or video.", "mediaIds"))
    elif len(request.media_ids) > limit:
        problems.append(DomainError(ErrorCode.TOO_MANY_MEDIA, f"At most {limit} photos and videos.", "mediaIds"))
    elif len(set(request.media_ids)) != len(request.media_ids):
        problems.append(DomainError(ErrorCode.INVALID_INPUT, "Each photo or video can appear once.", "mediaIds"))
    key = request.idempotency_key
    if key is not None and (not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable()):
        problems.append(
            DomainError(ErrorCode.INVALID_INPUT, "Idempotency keys are 1-128 printable characters.", "idempotencyKey")
        )
    if problems:
        raise ValidationErrors(problems)


async def create_post(stores: Stores, author_id: int, request: NewPost) -> Post:
    """Publish media the author uploaded; the same idempotency key returns the same post."""
    _check_new_post(stores, request)
    try:
        return await _insert_post(stores, author_id, request)
    except IntegrityError:
        # A concurrent request with the same idempotency key committed first.
        if request.idempotency_key is None:
            raise
        async with stores.sessions() as session:
            existing = await post_queries.post_by_idempotency_key(session, author_id, request.idempotency_key)
        if existing is None:
            raise
        return existing


async def _insert_post(stores: Stores, author_id: int, request: NewPost) -> Post:
    async with stores.sessions.begin() as session:
        if request.idempotency_key is not None:
            existing = await post_queries.post_by_idempotency_key(session, author_id, request.idempotency_key)
            if existing is not None:
                return existing
        media = await post_queries.media_for_update(session, request.media_ids)
        if request.idempotency_key is not None:
            # A concurrent retry holding these locks may have committed the post meanwhile.
            existing = await post_queries.post_by_idempotency_key(session, author_id, request.idempotency_key)
            if existing is not None:
                return existing
        for media_id in request.media_ids:
            row = media.get(media_id)
            # Someone else's media looks exactly like media that does not exist.
            if row is None or row.owner_id != author_id:
                raise DomainError(ErrorCode.NOT_FOUND, "No such photo or video.", "mediaIds")
            if row.status is not MediaStatus.READY:
                raise DomainError(ErrorCode.MEDIA_NOT_READY, "This photo or video is not processed yet.", "mediaIds")
            if row.post_id is not None:
                raise DomainError(ErrorCode.MEDIA_IN_USE, "This photo or video is already in a post.", "mediaIds")
        post = Post(
            author_id=author_id,
            caption=request.caption,
            location=request.location or None,
            audience=request.audience,
            idempotency_key=request.idempotency_key,
        )
        session.add(post)
        await session.flush()
        for position, media_id in enumerate(request.media_ids):
            media[media_id].post_id = post.id
            media[media_id].position = position
        mentioned = await post_queries.user_ids_by_usernames(session, captions.mentions(request.caption))
        await post_queries.replace_caption_links(session, post.id, captions.hashtags(request.caption), mentioned)
        await session.flush()
        await session.refresh(post)
        events = [
            outbox.record(session, names.FEED, names.FAN_OUT_POST, post.id),
            outbox.record(session, names.NOTIFICATIONS, names.ALERT_FOLLOWERS, post.id),
            *_mention_events(session, post, mentioned),
        ]
    await outbox.dispatch(stores, events)
    return post


def _mention_events(session: AsyncSession, post: Post, user_ids: Iterable[int]) -> list[OutboxEvent]:
    return [
        notify.record(session, notify.Subject(NotificationKind.MENTION, post.author_id, uid, post.id))
        for uid in sorted(set(user_ids))
    ]


def _own_post(session_post: Post | None, author_id: int) -> Post:
    if session_post is None or session_post.author_id != author_id or session_post.deleted_at is not None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such post.", "postId")
    return session_post


async def edit_post(
    stores: Stores,
    author_id: int,
    post_id: int,
    *,
    caption: str | None,
    location: str | None,
    alt_texts: dict[int, str] | None = None,
) -> Post:
    """Change a post's caption, location, or its media's alt texts; only its author may."""
    problems = _caption_problems(stores, caption or "", location)
    problems += [
        problem
        for text in (alt_texts or {}).values()
        if (problem := validation.check_text(text, ALT_TEXT_MAX_LENGTH, "altTexts")) is not None
    ]
    if problems:
        raise ValidationErrors(problems)
    async with stores.sessions.begin() as session:
        post = _own_post((await post_queries.posts_by_ids(session, [post_id])).get(post_id), author_id)
        if alt_texts:
            media = {row.id: row for row in (await post_queries.media_of_posts(session, [post_id]))[post_id]}
            for media_id, text in alt_texts.items():
                if media_id not in media:
                    raise DomainError(ErrorCode.NOT_FOUND, "That media is not in this post.", "altTexts")
                media[media_id].alt_text = text
        events = []
        if caption is not None:
            before = await post_queries.user_ids_by_usernames(session, captions.mentions(post.caption))
            post.caption = caption
            mentioned = await post_queries.user_ids_by_usernames(session, captions.mentions(caption))
            await post_queries.replace_caption_links(session, post.id, captions.hashtags(caption), mentioned)
            # Mentions the edit added are notified; those it removed are withdrawn.
            events = _mention_events(session, post, [*before, *mentioned])
        if location is not None:
            post.location = location or None
        post.edited_at = dt.datetime.now(dt.UTC)
    await outbox.dispatch(stores, events)
    return post


async def delete_post(stores: Stores, author_id: int, post_id: int) -> int:
    """Hide the post at once; its media bytes are removed later by a job."""
    async with stores.sessions.begin() as session:
        post = _own_post((await post_queries.posts_by_ids(session, [post_id])).get(post_id), author_id)
        post.deleted_at = dt.datetime.now(dt.UTC)
        events = [
            outbox.record(session, names.MEDIA, names.PURGE_DELETED_POST, post.id),
            outbox.record(session, names.FEED, names.RETRACT_POST, post.id),
            outbox.record(session, names.NOTIFICATIONS, names.WITHDRAW_POST_NOTIFICATIONS, post.id),
        ]
    await outbox.dispatch(stores, events)
    return post.id
