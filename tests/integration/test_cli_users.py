"""`shutter users set-role USERNAME ROLE` against the real database."""

from __future__ import annotations

import pytest

from cli import _apply_role, parser
from db import users as user_queries
from db.models import Role
from services.errors import DomainError
from services.stores import Stores
from tests.integration.feedkit import user


async def test_set_role_gives_and_takes_the_role(stores: Stores) -> None:
    await user(stores, "mia")
    assert await _apply_role(stores.settings, "Mia", "MODERATOR") == "mia"
    async with stores.sessions() as session:
        assert (await user_queries.by_usernames(session, ["mia"]))["mia"].role is Role.MODERATOR
    await _apply_role(stores.settings, "mia", "USER")
    async with stores.sessions() as session:
        assert (await user_queries.by_usernames(session, ["mia"]))["mia"].role is Role.USER
    with pytest.raises(DomainError):
        await _apply_role(stores.settings, "nobody", "ADMIN")


def test_the_command_parses_and_refuses_unknown_roles() -> None:
    args = parser().parse_args(["users", "set-role", "mia", "ADMIN"])
    assert (args.username, args.role) == ("mia", "ADMIN")
    with pytest.raises(SystemExit):
        parser().parse_args(["users", "set-role", "mia", "KING"])
