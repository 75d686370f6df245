"""Payloads and enums for following, requests and blocking."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.users import User
from services.social import FollowStatus

FollowStatusEnum = strawberry.enum(FollowStatus, name="FollowStatus")


@strawberry.type
class FollowPayload:
    status: FollowStatusEnum | None = None  # type: ignore[valid-type]
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="The other user of a social mutation, as the viewer now stands towards them.")
class UserPayload:
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
