"""The GraphQL schema: root types composed from per-domain classes, plus guards."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, ValidationCache
from strawberry.types import ExecutionContext

from schema.extensions import ErrorShaping
from schema.media import Media
from schema.posts import Comment, Post
from schema.root import Mutation, Query
from schema.users import User
from settings import Settings


class ShutterSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # ErrorShaping logs what needs logging (unexpected errors, with the request id);
        # expected failures such as a bad token or a missing field are not log-worthy.
        return None


def build_schema(settings: Settings) -> ShutterSchema:
    # Factories, so each operation gets fresh extension instances.
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: ValidationCache(maxsize=256),
        ErrorShaping,
    ]
    return ShutterSchema(query=Query, mutation=Mutation, types=[User, Post, Comment, Media], extensions=extensions)
