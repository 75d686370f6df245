"""Sign-up against the real servers: the slow password hash comes last, after every cheap
check, and how often one address may learn that a username or email is taken."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from argon2 import PasswordHasher

from services import accounts
from services.errors import DomainError, ErrorCode, ValidationErrors
from services.stores import Stores

PASSWORD = "long-enough-pw"
ADDRESS = "203.0.113.7"


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password Argon2 hashes from now on, whoever asks."""
    hashed: list[str] = []
    real_hash = PasswordHasher.hash

    def counting_hash(self: PasswordHasher, password: str | bytes, **kwargs: Any) -> str:
        hashed.append(str(password))
        return real_hash(self, password, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counting_hash)
    return hashed


async def sign_up(stores: Stores, username: str, email: str | None = None, **options: Any) -> accounts.Session:
    email = f"{username}@example.com" if email is None else email
    return await accounts.sign_up(
        stores, username=username, email=email, password=options.pop("password", PASSWORD), full_name="", **options
    )


def codes(error: DomainError) -> list[tuple[str, str | None]]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [(e.code, e.field) for e in errors]


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [
        pytest.param(("alice", "new@example.com", PASSWORD), [("USERNAME_TAKEN", "username")], id="username-taken"),
        pytest.param(("Alice ", "new@example.com", PASSWORD), [("USERNAME_TAKEN", "username")], id="username-case"),
        pytest.param(("new", "ALICE@example.com", PASSWORD), [("EMAIL_TAKEN", "email")], id="email-taken"),
        pytest.param(("new", "not-an-email", PASSWORD), [("INVALID_EMAIL", "email")], id="invalid-email"),
        pytest.param(("new", "new@example.com", "short"), [("WEAK_PASSWORD", "password")], id="weak-password"),
        pytest.param(("a b", "new@example.com", PASSWORD), [("INVALID_USERNAME", "username")], id="invalid-username"),
    ],
)
async def test_a_sign_up_bound_to_fail_never_hashes_the_password(
    stores: Stores, hashes: list[str], attempt: tuple[str, str, str], expected: list[tuple[str, str]]
) -> None:
    await sign_up(stores, "alice")
    assert PASSWORD in hashes  # the spy sees sign-up's hashing
    hashes.clear()
    username, email, password = attempt

    with pytest.raises(DomainError) as failed:
        await sign_up(stores, username, email, password=password)

    assert codes(failed.value) == expected
    assert hashes == []


async def test_a_name_taken_between_check_and_insert_is_still_refused(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up(stores, "alice")

    async def nothing_taken(*args: object) -> list[DomainError]:
        return []

    # As if another sign-up took the name and email just after the check.
    monkeypatch.setattr(accounts, "_taken", nothing_taken)
    with pytest.raises(DomainError) as username:
        await sign_up(stores, "alice", "new@example.com")
    with pytest.raises(DomainError) as email:
        await sign_up(stores, "new", "alice@example.com")

    assert codes(username.value) == [("USERNAME_TAKEN", "username")]
    assert codes(email.value) == [("EMAIL_TAKEN", "email")]


async def test_taken_answers_are_limited_per_address_however_they_are_found(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    limited = dataclasses.replace(
        stores, settings=stores.settings.model_copy(update={"taken_checks_per_address_per_hour": 2})
    )
    await sign_up(limited, "alice")

    with pytest.raises(DomainError) as both:
        await sign_up(limited, "alice", client_address=ADDRESS)
    assert codes(both.value) == [("USERNAME_TAKEN", "username"), ("EMAIL_TAKEN", "email")]
    # That answer told two things and spent both.
    with pytest.raises(DomainError) as spent:
        await sign_up(limited, "alice", "new@example.com", client_address=ADDRESS)
    assert spent.value.code is ErrorCode.RATE_LIMITED

    async def nothing_taken(*args: object) -> list[DomainError]:
        return []

    # What the unique constraint reveals after a race is counted too.
    monkeypatch.setattr(accounts, "_taken", nothing_taken)
    with pytest.raises(DomainError) as raced:
        await sign_up(limited, "alice", "new@example.com", client_address="203.0.113.8")
    assert codes(raced.value) == [("USERNAME_TAKEN", "username")]
    with pytest.raises(DomainError) as raced_again:
        await sign_up(limited, "alice", "new@example.com", client_address="203.0.113.8")
    assert codes(raced_again.value) == [("USERNAME_TAKEN", "username")]
    with pytest.raises(DomainError) as raced_past:
        await sign_up(limited, "alice", "new@example.com", client_address="203.0.113.8")
    assert raced_past.value.code is ErrorCode.RATE_LIMITED
    # In-process callers give no address and are not limited.
    with pytest.raises(DomainError) as unlimited:
        await sign_up(limited, "alice", "new@example.com")
    assert unlimited.value.code is ErrorCode.USERNAME_TAKEN
