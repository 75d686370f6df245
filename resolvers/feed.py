"""The home feed: arguments -> services.feed -> a connection."""

from __future__ import annotations

from schema.context import Info
from schema.feed import FeedConnection, FeedEdge
from schema.posts import Post, warm_cards
from schema.relay import PageInfo, encode_cursor, page_request
from schema.selection import names_below
from services import feed
from services.feed import FeedOrder


async def home_feed(
    info: Info, first: int | None = None, after: str | None = None, order: FeedOrder = FeedOrder.RECENT
) -> FeedConnection:
    context = info.context
    viewer = context.require_viewer()
    request = page_request(context.stores.settings, first, after, cursor_arity=feed.cursor_arity(order))
    page = await feed.feed_page(context.stores, viewer, request.first, request.after, order)
    loaders = context.loaders
    # The page read the authors and the viewer's blocks already: nothing asks for them again.
    for item in page.items:
        loaders.user_by_id.prime(item.author.id, item.author)
    loaders.hidden_by_user_id.know(page.hidden)
    await warm_cards(info, [item.post for item in page.items], names_below(info.selected_fields, ("edges", "node")))
    edges = [
        FeedEdge(cursor=encode_cursor(*item.cursor), node=Post.from_row(item.post), reason=item.reason)
        for item in page.items
    ]
    return FeedConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=request.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=encode_cursor(*page.end_cursor) if page.end_cursor else None,
        ),
    )
