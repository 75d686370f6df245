"""Inputs and payloads for signing up, logging in and out, and editing a profile."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.users import User


@strawberry.input
class SignUpInput:
    username: str
    email: str
    password: str
    full_name: str = ""


@strawberry.input
class LogInInput:
    username_or_email: str
    password: str


@strawberry.input
class RefreshTokenInput:
    refresh_token: str


@strawberry.input
class LogOutInput:
    refresh_token: str | None = strawberry.field(
        default=None, description="End the login this token belongs to; default: the access token's."
    )
    all_devices: bool = strawberry.field(default=False, description="End every login of the account.")


@strawberry.input
class UpdateProfileInput:
    full_name: str | None = None
    bio: str | None = None
    is_private: bool | None = None


@strawberry.type(description="Tokens for a new login. Send `Authorization: Bearer <accessToken>`.")
class AuthPayload:
    access_token: str | None = None
    access_token_expires_at: int | None = strawberry.field(default=None, description="Unix seconds.")
    refresh_token: str | None = None
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogOutPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateProfilePayload:
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
