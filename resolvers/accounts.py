"""Sign-up, log-in, token refresh, log-out and profile edits."""

from __future__ import annotations

from collections.abc import Awaitable

from schema.accounts import (
    AuthPayload,
    LogInInput,
    LogOutInput,
    LogOutPayload,
    RefreshTokenInput,
    SignUpInput,
    UpdateProfileInput,
    UpdateProfilePayload,
)
from schema.context import Info
from schema.errors import payload
from schema.users import User
from services import accounts, profiles
from services.accounts import Session


async def _auth_payload(call: Awaitable[Session]) -> AuthPayload:
    return await payload(call, _signed_in, AuthPayload)


def _signed_in(result: Session) -> AuthPayload:
    return AuthPayload(
        access_token=result.access_token,
        access_token_expires_at=result.access_token_expires_at,
        refresh_token=result.refresh_token,
        user=User.from_row(result.user),
    )


async def sign_up(info: Info, input: SignUpInput) -> AuthPayload:
    return await _auth_payload(
        accounts.sign_up(
            info.context.stores,
            username=input.username,
            email=input.email,
            password=input.password,
            full_name=input.full_name,
            client_address=info.context.client_address,
        )
    )


async def log_in(info: Info, input: LogInInput) -> AuthPayload:
    return await _auth_payload(
        accounts.log_in(
            info.context.stores,
            username_or_email=input.username_or_email,
            password=input.password,
            client_address=info.context.client_address,
        )
    )


async def refresh_token(info: Info, input: RefreshTokenInput) -> AuthPayload:
    return await _auth_payload(accounts.refresh(info.context.stores, input.refresh_token))


async def log_out(info: Info, input: LogOutInput | None = None) -> LogOutPayload:
    claims = info.context.require_claims()
    options = input or LogOutInput()
    await accounts.log_out(
        info.context.stores,
        claims.user_id,
        family_id=claims.family_id,
        refresh_token=options.refresh_token,
        all_devices=options.all_devices,
    )
    return LogOutPayload(ok=True)


async def update_profile(info: Info, input: UpdateProfileInput) -> UpdateProfilePayload:
    changes = profiles.ProfileChanges(full_name=input.full_name, bio=input.bio, is_private=input.is_private)
    return await payload(
        profiles.update_profile(info.context.stores, info.context.require_viewer(), changes),
        lambda row: UpdateProfilePayload(user=User.from_row(row)),
        UpdateProfilePayload,
    )
