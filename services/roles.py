"""Who moderates: roles are given by operators (the CLI), never through the API."""

from __future__ import annotations

from db import users as user_queries
from db.models import AccountStatus, Role, User
from services.errors import DomainError, ErrorCode
from services.stores import Stores
from services.validation import normalize_username

STAFF = frozenset({Role.MODERATOR, Role.ADMIN})


def is_staff(user: User | None) -> bool:
    """Whether the user may moderate now: a moderator or an admin, not suspended."""
    return user is not None and user.role in STAFF and user.status is AccountStatus.ACTIVE


async def set_role(stores: Stores, username: str, role: Role) -> User:
    """Give ``username`` the role USER, MODERATOR or ADMIN; NOT_FOUND for an unknown name."""
    name = normalize_username(username)
    async with stores.sessions.begin() as session:
        user = (await user_queries.by_usernames(session, [name])).get(name)
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"No user named {name!r}.", "username")
        user.role = role
    return user
