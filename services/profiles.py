"""Reading and editing profiles."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func

from db import users as user_queries
from db.models import User
from db.notifications import NotificationKind
from graph import social as graph_social
from jobs import names
from services import feed_sources, follow_counts, notify, outbox, validation
from services.errors import DomainError, ErrorCode, ValidationErrors
from services.stores import Stores


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    full_name: str | None = None
    bio: str | None = None
    is_private: bool | None = None


async def update_profile(stores: Stores, user_id: int, changes: ProfileChanges) -> User:
    settings = stores.settings
    full_name = changes.full_name.strip() if changes.full_name is not None else None
    bio = changes.bio.strip() if changes.bio is not None else None
    problems = [
        problem
        for problem in (
            validation.check_text(full_name, settings.full_name_max_length, "fullName")
            if full_name is not None
            else None,
            validation.check_text(bio, settings.bio_max_length, "bio") if bio is not None else None,
        )
        if problem is not None
    ]
    if problems:
        raise ValidationErrors(problems)
    async with stores.sessions.begin() as session:
        user = (await user_queries.by_ids(session, [user_id])).get(user_id)
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such user.")
        if full_name is not None:
            user.full_name = full_name
        if bio is not None:
            user.bio = bio
        if changes.is_private is not None:
            user.is_private = changes.is_private
        user.updated_at = func.now()
        await session.flush()
        await session.refresh(user)
    if changes.is_private is False:
        # Going public accepts everyone who asked. This runs after the account is public:
        # a failure here leaves requests pending (repeating the update accepts them), never
        # a private account with followers its owner did not approve.
        accepted = await graph_social.approve_all_requests(stores.graph, user_id, int(time.time() * 1000))
        if accepted:
            await follow_counts.invalidate(stores, user_id, *accepted)
            await feed_sources.forget_contexts(stores, *accepted)
            await feed_sources.forget_followers(stores, user_id)
            for follower_id in accepted:
                await outbox.emit(
                    stores,
                    (names.FEED, names.BACKFILL_FOLLOW, [follower_id, user_id]),
                    notify.job(NotificationKind.FOLLOW_REQUEST, follower_id, user_id),
                    notify.job(NotificationKind.FOLLOW, follower_id, user_id),
                )
    return user
