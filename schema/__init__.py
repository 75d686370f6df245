"""The GraphQL schema: root types composed from per-domain classes, plus guards."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from schema.budget import OperationBudget
from schema.deadline import DeadlineExecutor
from schema.extensions import ErrorShaping
from schema.media import Media
from schema.notifications import Notification
from schema.posts import Comment, Post
from schema.refusals import RefusalBudget
from schema.root import Mutation, Query, Subscription
from schema.tracing import tracer_provider, tracing_extension
from schema.users import User
from settings import Settings


class ShutterSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # ErrorShaping logs what needs logging (unexpected errors, with the request id);
        # expected failures such as a bad token or a missing field are not log-worthy.
        return None


CACHED_DOCUMENTS = 256


def build_schema(settings: Settings) -> ShutterSchema:
    # The guards' rules are made once: the validation cache is keyed by the rule classes,
    # and limiters built per operation would make new ones every time (and never hit).
    guards = (
        QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules
        + MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules
    )
    # Factories, so each operation gets fresh extension instances; the caches they use
    # are shared (module-level LRU caches in Strawberry). A document's text is parsed and
    # validated once, then reused: the parse keeps the token limit in its cache key.
    refusals = RefusalBudget(settings.refused_operations_per_minute)  # one per schema: per process
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: AddValidationRules(guards),
        lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
        ErrorShaping,
        lambda: OperationBudget(settings=settings, refusals=refusals),
    ]
    provider = tracer_provider(settings)
    if provider is not None:
        extensions.append(lambda: tracing_extension(provider))
    return ShutterSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[User, Post, Comment, Media, Notification],
        extensions=extensions,
        execution_context_class=DeadlineExecutor,
    )
