"""Sign-up, log-in, token refresh, log-out and profile edits."""

from __future__ import annotations

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
from schema.errors import UserError, attempt
from schema.users import User
from services import accounts, profiles
from services.accounts import Session


def _auth_payload(result: Session | list[UserError]) -> AuthPayload:
    if not isinstance(result, Session):
        return AuthPayload(errors=result)
    return AuthPayload(
        access_token=result.access_token,
        access_token_expires_at=result.access_token_expires_at,
        refresh_token=result.refresh_token,
        user=User.from_row(result.user),
    )


async def sign_up(info: Info, input: SignUpInput) -> AuthPayload:
    return _auth_payload(
        await attempt(
            accounts.sign_up(
                info.context.stores,
                username=input.username,
                email=input.email,
                password=input.password,
                full_name=input.full_name,
                client_address=info.context.client_address,
            )
        )
    )


async def log_in(info: Info, input: LogInInput) -> AuthPayload:
    return _auth_payload(
        await attempt(
            accounts.log_in(
                info.context.stores,
                username_or_email=input.username_or_email,
                password=input.password,
                client_address=info.context.client_address,
            )
        )
    )


async def refresh_token(info: Info, input: RefreshTokenInput) -> AuthPayload:
    return _auth_payload(await attempt(accounts.refresh(info.context.stores, input.refresh_token)))


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
    result = await attempt(profiles.update_profile(info.context.stores, info.context.require_viewer(), changes))
    if isinstance(result, list):
        return UpdateProfilePayload(errors=result)
    return UpdateProfilePayload(user=User.from_row(result))
