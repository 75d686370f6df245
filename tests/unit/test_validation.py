"""What users may type: usernames, emails, passwords, profile text."""

from __future__ import annotations

import pytest

from services import validation
from services.errors import ErrorCode
from settings import Settings

SETTINGS = Settings()


@pytest.mark.parametrize("name", ["a", "alice", "al.ice_99", "x" * 30, "_", "a_b.c"])
def test_good_usernames(name: str) -> None:
    assert validation.check_username(name, SETTINGS) is None


@pytest.mark.parametrize("name", ["", "x" * 31, "Alice", "al ice", "alice!", ".alice", "alice.", "al..ice", "ålice"])
def test_bad_usernames(name: str) -> None:
    problem = validation.check_username(name, SETTINGS)
    assert problem is not None
    assert (problem.code, problem.field) == (ErrorCode.INVALID_USERNAME, "username")


def test_usernames_and_emails_are_normalised() -> None:
    assert validation.normalize_username("  Alice ") == "alice"
    assert validation.normalize_email(" A@Example.COM") == "a@example.com"


@pytest.mark.parametrize("email", ["plain", "a@b", "a b@c.d", "a@@b.c", "@b.c", "a@b.c" + "x" * 260])
def test_bad_emails(email: str) -> None:
    problem = validation.check_email(email)
    assert problem is not None and problem.code is ErrorCode.INVALID_EMAIL


def test_good_email() -> None:
    assert validation.check_email("zoë@example.co.uk") is None


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaa", "alice", "x" * 2000])
def test_weak_passwords(password: str) -> None:
    problem = validation.check_password(password, "alice", SETTINGS)
    assert problem is not None and (problem.code, problem.field) == (ErrorCode.WEAK_PASSWORD, "password")


def test_text_limits_and_control_characters() -> None:
    assert validation.check_text("x" * 150, 150, "bio") is None
    too_long = validation.check_text("x" * 151, 150, "bio")
    assert too_long is not None and (too_long.code, too_long.field) == (ErrorCode.TOO_LONG, "bio")
    control = validation.check_text("bell\x07", 150, "bio")
    assert control is not None and control.code is ErrorCode.INVALID_INPUT
    assert validation.check_text("two\nlines", 150, "bio") is None
