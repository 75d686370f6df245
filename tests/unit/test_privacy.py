"""The privacy policy over every kind of viewer and account."""

from __future__ import annotations

import pytest

from db.models import AccountStatus, User
from graph.social import Relationship
from services import privacy

OWNER = 1
NONE = Relationship()
FOLLOWER = Relationship(following=True)
REQUESTER = Relationship(requested=True)
BLOCKED_BY_OWNER = Relationship(blocked_by=True)
BLOCKING_OWNER = Relationship(blocking=True)


def _user(*, private: bool, suspended: bool = False) -> User:
    return User(
        id=OWNER,
        username="owner",
        email="o@example.com",
        password_hash="-",
        is_private=private,
        status=AccountStatus.SUSPENDED if suspended else AccountStatus.ACTIVE,
    )


# viewer id, relationship, (profile visible, content visible) for a public and a private account
CASES = [
    ("anonymous", None, NONE, (True, True), (True, False)),
    ("stranger", 2, NONE, (True, True), (True, False)),
    ("requester", 2, REQUESTER, (True, True), (True, False)),
    ("follower", 2, FOLLOWER, (True, True), (True, True)),
    ("blocked by owner", 2, BLOCKED_BY_OWNER, (False, False), (False, False)),
    ("blocking owner", 2, BLOCKING_OWNER, (False, False), (False, False)),
    ("owner", OWNER, NONE, (True, True), (True, True)),
]


@pytest.mark.parametrize(("who", "viewer", "relationship", "public", "private"), CASES, ids=[c[0] for c in CASES])
def test_matrix(
    who: str,
    viewer: int | None,
    relationship: Relationship,
    public: tuple[bool, bool],
    private: tuple[bool, bool],
) -> None:
    for account, expected in ((_user(private=False), public), (_user(private=True), private)):
        seen = (
            privacy.can_view_profile(viewer, account, relationship),
            privacy.can_view_content(viewer, account, relationship),
        )
        assert seen == expected, (who, account.is_private)


def test_suspended_accounts_vanish_for_everyone_but_themselves() -> None:
    suspended = _user(private=False, suspended=True)
    assert not privacy.can_view_profile(2, suspended, FOLLOWER)
    assert not privacy.can_view_profile(None, suspended, NONE)
    assert privacy.can_view_profile(OWNER, suspended, NONE)
