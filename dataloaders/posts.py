"""Posts and what hangs off them, one query per batch whatever the page size."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dataloaders.base import QueryLoader
from db import engagement as engagement_queries
from db import posts as post_queries
from db.content import Audience, Comment, Media
from services.stores import Stores

FIRST_COMMENTS = 2


class MediaByPostIdLoader(QueryLoader[int, list[Media]]):
    def __init__(self, stores: Stores) -> None:
        super().__init__(stores, post_queries.media_of_posts, [])


class HashtagsByPostIdLoader(QueryLoader[int, list[str]]):
    def __init__(self, stores: Stores) -> None:
        super().__init__(stores, post_queries.hashtags_of_posts, [])


class FirstCommentsByPostIdLoader(QueryLoader[int, list[Comment]]):
    def __init__(self, stores: Stores) -> None:
        async def query(session: AsyncSession, ids: list[int]) -> dict[int, list[Comment]]:
            return await engagement_queries.first_comments(session, ids, FIRST_COMMENTS)

        super().__init__(stores, query, [])


class PostCountsByUserIdLoader(QueryLoader[int, dict[Audience, int]]):
    """Live posts per audience for each author."""

    def __init__(self, stores: Stores) -> None:
        super().__init__(stores, post_queries.post_counts, {})


class ViewerHasLikedByPostIdLoader(QueryLoader[int, bool]):
    def __init__(self, stores: Stores, viewer_id: int | None) -> None:
        async def query(session: AsyncSession, ids: list[int]) -> dict[int, bool]:
            if viewer_id is None:
                return {}
            liked = await engagement_queries.liked_post_ids(session, viewer_id, ids)
            return {pid: True for pid in liked}

        super().__init__(stores, query, False)
