"""How failures reach clients: UserError lists in payloads, coded top-level errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from services.errors import DomainError, ErrorCode, ValidationErrors

T = TypeVar("T")
P = TypeVar("P")

ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode", description="Why a mutation could not do what was asked.")


@strawberry.type(description="An expected failure of a mutation: bad input, a limit, not allowed.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, when one is.")
    message: str
    code: ErrorCodeEnum  # type: ignore[valid-type]


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [UserError(field=e.field, message=e.message, code=e.code) for e in errors]


async def payload(call: Awaitable[T], done: Callable[[T], P], failed: Callable[..., P]) -> P:
    """A mutation's payload: ``done(result)`` of the service call, or ``failed(errors=...)``
    with its expected failures as UserErrors (anything else goes on up)."""
    try:
        result = await call
    except DomainError as error:
        return failed(errors=user_errors(error))
    return done(result)
