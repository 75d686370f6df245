"""Sign-up, log-in, token rotation and log-out."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import users as user_queries
from db.models import AccountStatus, RefreshToken, User
from graph import GraphUnavailable
from graph import social as graph_social
from jobs import names, queue
from services import login_limits, ratelimit, revocations, tokens, validation
from services.errors import DomainError, ErrorCode, ValidationErrors
from services.stores import Stores
from settings import Settings

log = logging.getLogger(__name__)


@functools.cache
def _hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    # Verified against when the account does not exist, so timing does not reveal which names exist.
    return hasher, hasher.hash("shutter-timing-equaliser")


def _hasher(settings: Settings) -> tuple[PasswordHasher, str]:
    return _hasher_for(
        settings.password_hash_time_cost, settings.password_hash_memory_kib, settings.password_hash_parallelism
    )


@dataclass(frozen=True, slots=True)
class Session:
    """What a successful sign-up, log-in or refresh hands back."""

    user: User
    access_token: str
    access_token_expires_at: int
    refresh_token: str


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _issue(session: AsyncSession, stores: Stores, user: User, family_id: str) -> Session:
    # Signing up, logging in and refreshing all count as signing in: fan-out reaches only
    # users who did so recently (settings.feed_active_days).
    user.last_login_at = _utcnow()
    refresh = tokens.new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=tokens.hash_refresh_token(refresh),
            expires_at=_utcnow() + dt.timedelta(seconds=stores.settings.refresh_token_ttl_seconds),
        )
    )
    access, expires_at = tokens.issue_access_token(stores.settings, user.id, family_id)
    return Session(user, access, expires_at, refresh)


async def hash_password(settings: Settings, password: str) -> str:
    """The Argon2id hash a new password is stored as: deliberately slow, so it runs off the
    event loop, and only once everything cheaper has passed."""
    hasher, _ = _hasher(settings)
    return await asyncio.to_thread(hasher.hash, password)


def _username_taken() -> DomainError:
    return DomainError(ErrorCode.USERNAME_TAKEN, "That username is taken.", "username")


def _email_taken() -> DomainError:
    return DomainError(ErrorCode.EMAIL_TAKEN, "That email is already registered.", "email")


async def _taken(stores: Stores, username: str, email: str) -> list[DomainError]:
    async with stores.reads() as session:
        by_name = await user_queries.by_usernames(session, [username])
        by_email = await user_queries.by_login(session, email)
    problems = [_username_taken()] if username in by_name else []
    if by_email is not None and by_email.email == email:
        problems.append(_email_taken())
    return problems


async def _limit_taken_answers(stores: Stores, client_address: str | None, revealed: int) -> None:
    """Spend one of the address's answers per taken name or email about to be revealed, or
    raise RATE_LIMITED. Once they are spent, sign-ups with free names are refused too: else
    RATE_LIMITED itself would tell taken names from free ones."""
    if not client_address:
        return
    burst, per_second = ratelimit.per_hour(stores.settings.taken_checks_per_address_per_hour)
    bucket = await ratelimit.take(
        stores.redis, f"sign-up:taken:{client_address}", burst=burst, per_second=per_second, cost=revealed
    )
    spent = not bucket.allowed if revealed else bucket.remaining < 1
    if spent:
        raise DomainError(ErrorCode.RATE_LIMITED, "Too many sign-up attempts. Try again later.")


async def sign_up(
    stores: Stores,
    *,
    username: str,
    email: str,
    password: str,
    full_name: str,
    client_address: str | None = None,
) -> Session:
    """Create an account and sign it in. ``client_address`` bounds how often one address may
    learn that a username or email is taken; in-process callers leave it out."""
    settings = stores.settings
    username = validation.normalize_username(username)
    email = validation.normalize_email(email)
    full_name = full_name.strip()
    problems = [
        problem
        for problem in (
            validation.check_username(username, settings),
            validation.check_email(email),
            validation.check_password(password, username, settings),
            validation.check_text(full_name, settings.full_name_max_length, "fullName"),
        )
        if problem is not None
    ]
    if problems:
        raise ValidationErrors(problems)
    # Everything cheap comes before the hash (64 MiB of Argon2id by default), so a sign-up
    # that is bound to fail costs a query, not a hash.
    taken = await _taken(stores, username, email)
    await _limit_taken_answers(stores, client_address, len(taken))
    if taken:
        raise ValidationErrors(taken)
    password_hash = await hash_password(settings, password)
    try:
        async with stores.sessions.begin() as session:
            user = User(username=username, email=email, password_hash=password_hash, full_name=full_name)
            session.add(user)
            await session.flush()
            result = await _issue(session, stores, user, tokens.new_family_id())
    except IntegrityError as exc:
        # Another sign-up took the name or email since the check above.
        if "uq_users_username" in str(exc.orig):
            raced = _username_taken()
        elif "uq_users_email" in str(exc.orig):
            raced = _email_taken()
        else:
            raise
        await _limit_taken_answers(stores, client_address, 1)
        raise raced from exc
    try:
        await graph_social.ensure_users(stores.graph, [result.user.id])
    except GraphUnavailable:
        # Follow and block create missing nodes themselves; the account works without this.
        log.warning("graph unavailable at sign-up; user node deferred", extra={"user_id": result.user.id})
    return result


async def log_in(stores: Stores, *, username_or_email: str, password: str, client_address: str | None) -> Session:
    login = username_or_email.strip().lower()
    bad = DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong username, email or password.", "password")
    hasher, dummy_hash = _hasher(stores.settings)
    # No connection is held across the rate check and the (deliberately slow) hash check.
    async with stores.sessions() as session:
        found = await user_queries.by_login(session, login)
    account = login_limits.subject(found.id if found else None, login)
    await login_limits.admit(stores, account, client_address)
    stored_hash = found.password_hash if found else dummy_hash
    try:
        await asyncio.to_thread(hasher.verify, stored_hash, password[: validation.PASSWORD_MAX_LENGTH + 1])
    except (VerificationError, InvalidHashError):
        raise bad from None
    if found is None:
        raise bad
    if found.status is AccountStatus.SUSPENDED:
        raise DomainError(ErrorCode.ACCOUNT_SUSPENDED, "This account is suspended.")
    rehashed = await asyncio.to_thread(hasher.hash, password) if hasher.check_needs_rehash(stored_hash) else None
    async with stores.sessions.begin() as session:
        user = (await user_queries.by_ids(session, [found.id]))[found.id]
        if rehashed is not None:
            user.password_hash = rehashed
        result = await _issue(session, stores, user, tokens.new_family_id())
    await login_limits.forget(stores, account, client_address)
    await queue.enqueue(names.MAINTENANCE, names.PRUNE_REFRESH_TOKENS, result.user.id)
    return result


async def refresh(stores: Stores, refresh_token: str) -> Session:
    """Rotate a refresh token. Presenting one already used revokes its whole family."""
    invalid = DomainError(ErrorCode.INVALID_TOKEN, "Sign in again.", "refreshToken")
    token_hash = tokens.hash_refresh_token(refresh_token)
    async with stores.sessions.begin() as session:
        row = await user_queries.refresh_token_for_update(session, token_hash)
        if row is None or row.revoked_at is not None or row.expires_at <= _utcnow():
            raise invalid
        if row.used_at is not None:
            # A stolen token raced its owner: neither may go on with this login.
            revoked = await user_queries.revoke_families(session, user_id=row.user_id, family_id=row.family_id)
            reused = True
        else:
            reused = False
            row.used_at = _utcnow()
            user = (await user_queries.by_ids(session, [row.user_id]))[row.user_id]
            if user.status is AccountStatus.SUSPENDED:
                raise DomainError(ErrorCode.ACCOUNT_SUSPENDED, "This account is suspended.")
            result = await _issue(session, stores, user, row.family_id)
    if reused:
        await revocations.announce(stores, revoked)
        raise DomainError(ErrorCode.TOKEN_REUSED, "This sign-in was revoked. Sign in again.", "refreshToken")
    return result


async def log_out(
    stores: Stores, user_id: int, *, family_id: str, refresh_token: str | None, all_devices: bool
) -> None:
    """End this login (the access token's family, or the given refresh token's), or every login.
    The access tokens of what ends stop working at once, in every process."""
    async with stores.sessions.begin() as session:
        if all_devices:
            revoked = await user_queries.revoke_families(session, user_id=user_id)
        else:
            if refresh_token is not None:
                row = await user_queries.refresh_token_for_update(session, tokens.hash_refresh_token(refresh_token))
                if row is not None and row.user_id == user_id:
                    family_id = row.family_id
            revoked = await user_queries.revoke_families(session, user_id=user_id, family_id=family_id)
    await revocations.announce(stores, revoked)


async def prune_expired_tokens(stores: Stores, user_id: int) -> int:
    async with stores.sessions.begin() as session:
        return await user_queries.delete_expired_tokens(session, user_id, _utcnow())
