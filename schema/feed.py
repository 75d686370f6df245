"""The home feed's types: a Relay connection of posts whose edges say why each is there."""

from __future__ import annotations

import strawberry

from schema.posts import Post
from schema.relay import PageInfo
from services.feed import FeedOrder, FeedReason

FeedOrderEnum = strawberry.enum(
    FeedOrder,
    name="FeedOrder",
    description="RECENT: newest first. TOP: the newest candidates ranked by engagement with time decay.",
)
FeedReasonEnum = strawberry.enum(FeedReason, name="FeedReason", description="Why a post is in the viewer's feed.")


@strawberry.type
class FeedEdge:
    cursor: str
    node: Post
    reason: FeedReasonEnum  # type: ignore[valid-type]


@strawberry.type
class FeedConnection:
    edges: list[FeedEdge]
    page_info: PageInfo
