"""Post insights for authors, and the payload of recordViews."""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.errors import UserError
from services.insights import Insights


@strawberry.type(description="One UTC day of a post's activity.")
class PostInsightsDay:
    date: dt.date
    views: int
    likes: int
    comments: int
    saves: int


@strawberry.type(description="How a post is doing; only its author sees these.")
class PostInsights:
    views: int = strawberry.field(
        description="Views by signed-in accounts other than the author (recordViews), including the last seconds'."
    )
    reach: int = strawberry.field(
        description="Distinct accounts that viewed the post, estimated (HyperLogLog): within about 1%."
    )
    likes: int
    comments: int
    saves: int
    days: list[PostInsightsDay] = strawberry.field(
        description="The last SHUTTER_INSIGHTS_DAYS UTC days (30 by default), oldest first, today last."
    )

    @classmethod
    def from_insights(cls, found: Insights) -> PostInsights:
        return cls(
            views=found.views,
            reach=found.reach,
            likes=found.likes,
            comments=found.comments,
            saves=found.saves,
            days=[
                PostInsightsDay(date=d.day, views=d.views, likes=d.likes, comments=d.comments, saves=d.saves)
                for d in found.days
            ],
        )


@strawberry.type
class RecordViewsPayload:
    errors: list[UserError] = strawberry.field(default_factory=list)
