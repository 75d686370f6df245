"""Rules for what users type: usernames, emails, passwords, profile text."""

from __future__ import annotations

import re

from services.errors import DomainError, ErrorCode
from settings import Settings

USERNAME_PATTERN = re.compile(r"[a-z0-9._]+")
# Deliberately loose: one @, a dot in the domain, no spaces. Deliverability is the mailer's job.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
EMAIL_MAX_LENGTH = 254
PASSWORD_MAX_LENGTH = 1024  # bounds the hashing work an attacker can ask for


def normalize_username(raw: str) -> str:
    return raw.strip().lower()


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def check_username(username: str, settings: Settings) -> DomainError | None:
    if not 1 <= len(username) <= settings.username_max_length or not USERNAME_PATTERN.fullmatch(username):
        return DomainError(
            ErrorCode.INVALID_USERNAME,
            f"Usernames are 1-{settings.username_max_length} characters of a-z, 0-9, '.' and '_'.",
            "username",
        )
    if username.startswith(".") or username.endswith(".") or ".." in username:
        return DomainError(
            ErrorCode.INVALID_USERNAME,
            "Usernames cannot start or end with '.' or contain '..'.",
            "username",
        )
    return None


def check_email(email: str) -> DomainError | None:
    if len(email) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.fullmatch(email):
        return DomainError(ErrorCode.INVALID_EMAIL, "Enter a valid email address.", "email")
    return None


def check_password(password: str, username: str, settings: Settings) -> DomainError | None:
    minimum = settings.password_min_length
    if len(password) < minimum:
        return DomainError(ErrorCode.WEAK_PASSWORD, f"Passwords need at least {minimum} characters.", "password")
    if len(password) > PASSWORD_MAX_LENGTH:
        return DomainError(ErrorCode.WEAK_PASSWORD, "That password is too long.", "password")
    if password.lower() == username or len(set(password)) < 4:
        return DomainError(ErrorCode.WEAK_PASSWORD, "Choose a harder-to-guess password.", "password")
    return None


def check_text(value: str, limit: int, field: str) -> DomainError | None:
    if len(value) > limit:
        return DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", field)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        return DomainError(ErrorCode.INVALID_INPUT, "Control characters are not allowed.", field)
    return None
