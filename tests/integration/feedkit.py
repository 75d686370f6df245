"""Helpers for the feed tests: users, posts with ready media, and feed pages, through services."""

from __future__ import annotations

import secrets
from typing import Any

from db.content import Audience, Media, MediaKind, MediaStatus
from schema.context import Context, in_process_context
from services import accounts, feed, posts, social, tokens
from services.feed import FeedOrder, FeedPage
from services.stores import Stores


async def user(stores: Stores, name: str) -> int:
    session = await accounts.sign_up(
        stores, username=name, email=f"{name}@example.com", password="long-enough-pw", full_name=name.title()
    )
    return session.user.id


async def users(stores: Stores, *names: str) -> list[int]:
    return [await user(stores, name) for name in names]


async def _ready_media(stores: Stores, owner: int) -> int:
    """A READY photo row, as processing leaves it (the feed never reads its bytes)."""
    digest = secrets.token_hex(32)
    async with stores.sessions.begin() as session:
        media = Media(
            owner_id=owner,
            kind=MediaKind.IMAGE,
            status=MediaStatus.READY,
            content_type="image/jpeg",
            byte_size=1000,
            sha256=digest,
            storage_key=f"test/{digest}",
            width=640,
            height=480,
        )
        session.add(media)
        await session.flush()
        return media.id


async def post(stores: Stores, author: int, caption: str = "", audience: Audience = Audience.EVERYONE) -> int:
    media_id = await _ready_media(stores, author)
    created = await posts.create_post(
        stores, author, posts.NewPost(media_ids=[media_id], caption=caption, audience=audience)
    )
    return created.id


async def follow(stores: Stores, follower: int, *followees: int) -> None:
    for followee in followees:
        await social.follow(stores, follower, followee)


async def page(
    stores: Stores,
    viewer: int,
    first: int = 20,
    after: tuple[int, ...] | None = None,
    order: FeedOrder = FeedOrder.RECENT,
) -> FeedPage:
    return await feed.feed_page(stores, viewer, first, after, order)


async def ids(stores: Stores, viewer: int, **kwargs: Any) -> list[int]:
    """The post ids of the viewer's first feed page."""
    return [item.post.id for item in (await page(stores, viewer, **kwargs)).items]


async def all_ids(stores: Stores, viewer: int, first: int, order: FeedOrder = FeedOrder.RECENT) -> list[int]:
    """Every post id of the viewer's feed, paging ``first`` at a time."""
    found: list[int] = []
    after = None
    while True:
        current = await page(stores, viewer, first, after, order)
        found += [item.post.id for item in current.items]
        if not current.has_next:
            return found
        after = current.end_cursor


def request_context(stores: Stores, viewer: int) -> Context:
    """What a GraphQL request as ``viewer`` carries, for running operations in-process."""
    token, _ = tokens.issue_access_token(stores.settings, viewer, tokens.new_family_id())
    return in_process_context(stores, token, "test")
