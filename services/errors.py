"""Domain error codes and the exceptions that carry them to the API layer."""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    """Every expected failure a client can be told about, across domains."""

    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_ID = "INVALID_ID"
    INVALID_CURSOR = "INVALID_CURSOR"
    # accounts
    USERNAME_TAKEN = "USERNAME_TAKEN"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_USERNAME = "INVALID_USERNAME"
    INVALID_EMAIL = "INVALID_EMAIL"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_REUSED = "TOKEN_REUSED"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"
    TOO_LONG = "TOO_LONG"
    # media and posts
    TOO_MANY_MEDIA = "TOO_MANY_MEDIA"
    TOO_MANY_HASHTAGS = "TOO_MANY_HASHTAGS"
    TOO_MANY_MENTIONS = "TOO_MANY_MENTIONS"
    MEDIA_NOT_READY = "MEDIA_NOT_READY"
    MEDIA_IN_USE = "MEDIA_IN_USE"
    UPLOAD_INCOMPLETE = "UPLOAD_INCOMPLETE"
    UPLOAD_EXPIRED = "UPLOAD_EXPIRED"
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    TOO_LARGE = "TOO_LARGE"
    CORRUPT = "CORRUPT"
    # social graph
    CANNOT_FOLLOW_SELF = "CANNOT_FOLLOW_SELF"
    CANNOT_BLOCK_SELF = "CANNOT_BLOCK_SELF"
    BLOCKED = "BLOCKED"
    NOT_FOLLOWING = "NOT_FOLLOWING"
    # moderation
    FORBIDDEN = "FORBIDDEN"
    BANNED_CONTENT = "BANNED_CONTENT"


class DomainError(Exception):
    """An expected failure: reported to the client as a UserError in the payload."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class ValidationErrors(DomainError):
    """Several input problems found at once; each is reported."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(errors[0].code, errors[0].message, errors[0].field)
        self.errors = errors


class NotAuthenticated(Exception):
    """No valid access token: a top-level UNAUTHENTICATED error."""


class StoreUnavailable(Exception):
    """A store did not answer: a top-level SERVICE_UNAVAILABLE error naming it."""

    def __init__(self, store: str) -> None:
        super().__init__(f"{store} is unavailable")
        self.store = store
