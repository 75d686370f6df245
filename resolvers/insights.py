"""recordViews, savePost, unsavePost and savedPosts: arguments -> one service call -> types."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from db.content import Post as PostRow
from schema.context import Info
from schema.errors import payload
from schema.insights import RecordViewsPayload
from schema.post_inputs import PostPayload
from schema.posts import Post
from schema.relay import Connection, page_request, parse_global_id
from schema.search import post_connection, prime_authors
from services import saves, search, views
from services.stores import Stores


async def record_views(info: Info, post_ids: list[strawberry.ID]) -> RecordViewsPayload:
    viewer = info.context.require_viewer()

    async def work() -> None:
        ids = [parse_global_id(pid, "Post", "postIds") for pid in post_ids]
        await views.record_views(info.context.stores, viewer, ids, info.context.view_buffer)

    return await payload(work(), lambda _: RecordViewsPayload(), RecordViewsPayload)


async def _save_action(
    info: Info, post_id: strawberry.ID, action: Callable[[Stores, int, int], Awaitable[PostRow]]
) -> PostPayload:
    viewer = info.context.require_viewer()

    async def work() -> Post:
        return Post.from_row(await action(info.context.stores, viewer, parse_global_id(post_id, "Post", "postId")))

    return await payload(work(), lambda value: PostPayload(post=value), PostPayload)


async def save_post(info: Info, post_id: strawberry.ID) -> PostPayload:
    return await _save_action(info, post_id, saves.save_post)


async def unsave_post(info: Info, post_id: strawberry.ID) -> PostPayload:
    return await _save_action(info, post_id, saves.unsave_post)


async def saved_posts(info: Info, first: int | None = None, after: str | None = None) -> Connection[Post]:
    context = info.context
    viewer = context.require_viewer()
    request = page_request(context.stores.settings, first, after, cursor_arity=2)
    view = await search.viewpoint(context.stores, viewer)
    hits = await saves.saved_posts(context.stores, view, request.first + 1, request.after)
    prime_authors(info, view, hits)
    return post_connection(request, hits)
