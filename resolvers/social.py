"""Follow, unfollow, requests, removing followers, blocking."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from db.models import User as UserRow
from schema.context import Info
from schema.errors import payload
from schema.relay import parse_global_id
from schema.social import FollowPayload, UserPayload
from schema.users import User
from services import social
from services.social import FollowStatus
from services.stores import Stores

T = TypeVar("T")


async def _on_user(info: Info, user_id: strawberry.ID, action: Callable[[Stores, int, int], Awaitable[T]]) -> T:
    """``action(stores, viewer, other user)``; run inside ``payload``, a bad id is a UserError
    like any other."""
    viewer = info.context.require_viewer()
    return await action(info.context.stores, viewer, parse_global_id(user_id, "User", "userId"))


async def _user_payload(
    info: Info, user_id: strawberry.ID, action: Callable[[Stores, int, int], Awaitable[UserRow | None]]
) -> UserPayload:
    return await payload(
        _on_user(info, user_id, action),
        lambda row: UserPayload(user=User.from_row(row) if row is not None else None),
        UserPayload,
    )


async def follow(info: Info, user_id: strawberry.ID) -> FollowPayload:
    return await payload(
        _on_user(info, user_id, social.follow),
        lambda result: FollowPayload(status=result[0], user=User.from_row(result[1])),
        FollowPayload,
    )


async def unfollow(info: Info, user_id: strawberry.ID) -> FollowPayload:
    return await payload(
        _on_user(info, user_id, social.unfollow),
        lambda row: FollowPayload(status=FollowStatus.NOT_FOLLOWING, user=User.from_row(row)),
        FollowPayload,
    )


async def approve_follow_request(info: Info, user_id: strawberry.ID) -> UserPayload:
    return await _user_payload(info, user_id, social.approve_follow_request)


async def reject_follow_request(info: Info, user_id: strawberry.ID) -> UserPayload:
    return await _user_payload(info, user_id, social.reject_follow_request)


async def remove_follower(info: Info, user_id: strawberry.ID) -> UserPayload:
    return await _user_payload(info, user_id, social.remove_follower)


async def block(info: Info, user_id: strawberry.ID) -> UserPayload:
    return await _user_payload(info, user_id, social.block)


async def unblock(info: Info, user_id: strawberry.ID) -> UserPayload:
    return await _user_payload(info, user_id, social.unblock)


async def add_close_friend(info: Info, user_id: strawberry.ID) -> UserPayload:
    return await _user_payload(info, user_id, social.add_close_friend)


async def remove_close_friend(info: Info, user_id: strawberry.ID) -> UserPayload:
    return await _user_payload(info, user_id, social.remove_close_friend)
