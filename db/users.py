"""Queries over users and refresh tokens. Functions take a session and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.arrays import id_array_param
from db.models import RefreshToken, User

_BY_IDS = select(User).where(User.id == func.any(id_array_param("ids")))


async def by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, User]:
    rows = await session.scalars(_BY_IDS, {"ids": list(ids)})
    return {row.id: row for row in rows}


async def by_usernames(session: AsyncSession, usernames: Sequence[str]) -> dict[str, User]:
    rows = await session.scalars(select(User).where(User.username.in_(usernames)))
    return {row.username: row for row in rows}


async def by_login(session: AsyncSession, username_or_email: str) -> User | None:
    return await session.scalar(
        select(User).where(or_(User.username == username_or_email, User.email == username_or_email))
    )


async def refresh_token_for_update(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update())


async def revoke_families(session: AsyncSession, *, user_id: int, family_id: str | None = None) -> list[str]:
    """Revoke one token family of a user, or all of them when ``family_id`` is None; returns
    the families that were live until now."""
    query = update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
    if family_id is not None:
        query = query.where(RefreshToken.family_id == family_id)
    # Stamped when the statement runs, not when the transaction began: readers of recent
    # revocations allow only a short overlap.
    query = query.values(revoked_at=func.statement_timestamp()).returning(RefreshToken.family_id)
    families: set[str] = set()
    # A refresh that held a row this statement waited for has committed its successor token
    # since the statement began; each further statement sees it, until none is left.
    while rows := list(await session.scalars(query)):
        families.update(rows)
    return sorted(families)


async def families_revoked_since(session: AsyncSession, since: dt.datetime) -> tuple[list[str], dt.datetime]:
    """Token families revoked after ``since``, and the database's clock now."""
    now = await session.scalar(select(func.now()))
    rows = await session.scalars(
        select(RefreshToken.family_id).where(RefreshToken.revoked_at > since).group_by(RefreshToken.family_id)
    )
    assert now is not None
    return list(rows), now


async def delete_expired_tokens(session: AsyncSession, user_id: int, now: dt.datetime) -> int:
    result = await session.execute(
        delete(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.expires_at < now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
