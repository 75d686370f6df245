"""Follow, unfollow, requests, removing followers, blocking."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from db.models import User as UserRow
from schema.context import Info
from schema.errors import UserError, attempt
from schema.relay import parse_global_id
from schema.social import FollowPayload, UserPayload
from schema.users import User
from services import social
from services.social import FollowStatus
from services.stores import Stores

T = TypeVar("T")


async def _on_user(
    info: Info, user_id: strawberry.ID, action: Callable[[Stores, int, int], Awaitable[T]]
) -> T | list[UserError]:
    """Run ``action(stores, viewer, other user)``; a bad id is a UserError like any other."""
    viewer = info.context.require_viewer()

    async def run() -> T:
        return await action(info.context.stores, viewer, parse_global_id(user_id, "User", "userId"))

    return await attempt(run())


async def _user_payload(
    info: Info, user_id: strawberry.ID, action: Callable[[Stores, int, int], Awaitable[UserRow | None]]
) -> UserPayload:
    result = await _on_user(info, user_id, action)
    if isinstance(result, list):
        return UserPayload(errors=result)
    return UserPayload(user=User.from_row(result) if result is not None else None)


async def follow(info: Info, user_id: strawberry.ID) -> FollowPayload:
    result = await _on_user(info, user_id, social.follow)
    if isinstance(result, list):
        return FollowPayload(errors=result)
    status, target = result
    return FollowPayload(status=status, user=User.from_row(target))


async def unfollow(info: Info, user_id: strawberry.ID) -> FollowPayload:
    result = await _on_user(info, user_id, social.unfollow)
    if isinstance(result, list):
        return FollowPayload(errors=result)
    return FollowPayload(status=FollowStatus.NOT_FOLLOWING, user=User.from_row(result))


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
