"""Each operation's budget, checked after validation and before any resolver runs.

The document's static cost (schema/cost.py) must stay under SHUTTER_MAX_QUERY_COST; it is
then spent from a token bucket in Redis: the viewer's, or the client address's for anonymous
traffic. Mutations that create content also spend from per-kind hourly buckets. In
production, introspection is for staff only. A refused operation runs nothing and answers one
top-level error; the same check serves HTTP and WebSocket, since both execute through here.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, get_operation_ast
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension

from schema.context import Context
from schema.cost import assess
from schema.refusals import RefusalBudget
from services import ratelimit
from services.errors import NotAuthenticated
from settings import Settings

log = logging.getLogger("shutter.graphql")

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
RATE_LIMITED = "RATE_LIMITED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
COST_HEADER = "shutter-query-cost"

# Root mutations that create content, and the hourly setting that bounds each per user.
CONTENT_LIMITS: Mapping[str, str] = {
    "createPost": "posts_per_hour",
    "addComment": "comments_per_hour",
    "follow": "follows_per_hour",
    "likePost": "likes_per_hour",
    "reportPost": "reports_per_hour",
    "reportComment": "reports_per_hour",
    "reportUser": "reports_per_hour",
    "createUpload": "uploads_per_hour",
    "uploadMedia": "uploads_per_hour",
}
# Root mutations limited per client address: they are made before anyone is signed in.
ADDRESS_LIMITS: Mapping[str, str] = {"signUp": "sign_ups_per_address_per_hour"}


def refusal(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def _root_fields(operation: OperationDefinitionNode) -> list[str]:
    return [s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)]


def _client(context: Context) -> str:
    viewer = _viewer(context)
    return f"u:{viewer}" if viewer is not None else f"a:{context.client_address or 'unknown'}"


def _viewer(context: Context) -> int | None:
    # A bad token is the resolvers' to report (UNAUTHENTICATED); here it counts as anonymous.
    try:
        return context.viewer_id
    except NotAuthenticated:
        return None


class OperationBudget(SchemaExtension):
    """Cost check, rate limits and the production introspection rule for one operation."""

    def __init__(self, *, settings: Settings, refusals: RefusalBudget) -> None:
        self.settings = settings
        self.refusals = refusals
        self.cost: int | None = None
        self.report_cost = settings.expose_query_cost

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        operation = get_operation_ast(document, execution.operation_name) if document else None
        if isinstance(context, Context) and operation is not None and not execution.result:
            if context.connection.headers.get(COST_HEADER, "").lower() in ("1", "true"):
                self.report_cost = True
            error = await self._check(context, document, operation, execution.variables)
            if error is not None:
                execution.result = GraphQLExecutionResult(data=None, errors=[error])
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost} if self.report_cost and self.cost is not None else {}

    async def _check(
        self, context: Context, document: Any, operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
    ) -> GraphQLError | None:
        settings = self.settings
        assessment = assess(self.execution_context.schema._schema, settings, document, operation, variables)
        self.cost = context.cost = assessment.cost
        if assessment.introspection and settings.env == "production" and not await context.viewer_is_staff():
            return refusal("Introspection is not available.", VALIDATION_FAILED, reason="INTROSPECTION_DISABLED")
        if assessment.cost > settings.max_query_cost:
            wait = self.refusals.take(_client(context))
            if wait:
                return _rate_limited("Too many refused operations.", wait)
            return refusal(
                f"The operation costs {assessment.cost}, more than the {settings.max_query_cost} allowed: "
                "ask for fewer items (first) or fewer nested lists.",
                QUERY_TOO_COMPLEX,
                cost=assessment.cost,
                maxCost=settings.max_query_cost,
            )
        try:
            return await self._spend(context, operation, assessment.cost)
        except RedisError as error:
            # Limits live in Redis, which holds nothing that must be there: without it, serve.
            log.warning("rate limits unavailable: %s", error, extra={"request_id": context.request_id})
            return None

    async def _spend(self, context: Context, operation: OperationDefinitionNode, cost: int) -> GraphQLError | None:
        settings = self.settings
        redis = context.stores.redis
        viewer = _viewer(context)
        address = context.client_address or "unknown"
        if viewer is not None:
            burst, rate = settings.rate_limit_user_burst, settings.rate_limit_user_per_second
        else:
            burst, rate = settings.rate_limit_address_burst, settings.rate_limit_address_per_second
        bucket = f"cost:{_client(context)}"
        # An operation dearer than the whole bucket spends all of it rather than never running.
        taken = await ratelimit.take(redis, bucket, burst=burst, per_second=rate, cost=min(cost, burst))
        if not taken.allowed:
            return _rate_limited("Too many requests.", taken.retry_after_seconds)
        if operation.operation is not OperationType.MUTATION:
            return None
        counts: dict[tuple[str, str], int] = {}
        for name in _root_fields(operation):
            if name in CONTENT_LIMITS and viewer is not None:
                key = (CONTENT_LIMITS[name], f"u:{viewer}")
            elif name in ADDRESS_LIMITS:
                key = (ADDRESS_LIMITS[name], f"a:{address}")
            else:
                continue
            counts[key] = counts.get(key, 0) + 1
        for (setting, who), count in counts.items():
            burst, rate = ratelimit.per_hour(getattr(settings, setting))
            taken = await ratelimit.take(redis, f"{setting}:{who}", burst=burst, per_second=rate, cost=count)
            if not taken.allowed:
                return _rate_limited(f"Too many of these actions ({setting}).", taken.retry_after_seconds)
        return None


def _rate_limited(message: str, retry_after: int) -> GraphQLError:
    return refusal(f"{message} Try again in {retry_after} s.", RATE_LIMITED, retryAfter=retry_after)
