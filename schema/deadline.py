"""A deadline for every query and mutation, whichever transport carries it.

graphql-core runs each operation (and each subscription event) through one executor; this one
bounds the awaited part by SHUTTER_OPERATION_TIMEOUT_SECONDS. Past it, the resolvers still
running are cancelled and the operation answers ``data: null`` with one TIMEOUT error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from graphql import ExecutionResult, GraphQLError
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.context import Context

TIMEOUT = "TIMEOUT"


def timed_out(seconds: float) -> ExecutionResult:
    message = f"The operation did not finish within {seconds:g} s and was stopped."
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": TIMEOUT})])


class DeadlineExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        context = self.context_value
        if not self.is_awaitable(result) or not isinstance(context, Context):
            return result
        return _within(result, context.stores.settings.operation_timeout_seconds)


async def _within(result: Awaitable[Any], seconds: float) -> Any:
    try:
        async with asyncio.timeout(seconds):
            return await result
    except TimeoutError:
        return timed_out(seconds)
