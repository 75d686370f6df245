"""searchPosts, searchUsers, hashtag, trendingHashtags, suggestedUsers: arguments -> services.search."""

from __future__ import annotations

from schema.context import Info
from schema.posts import Post
from schema.relay import Connection, PageRequest, page_request
from schema.search import (
    Hashtag,
    HashtagPostCountLoader,
    TrendingHashtag,
    UserSuggestion,
    decode_user_cursor,
    post_connection,
    prime_authors,
    user_connection,
)
from schema.users import User
from services import search

DEFAULT_LIST_SIZE = 10


async def search_posts(info: Info, query: str, first: int | None = None, after: str | None = None) -> Connection[Post]:
    context = info.context
    request = page_request(context.stores.settings, first, after, cursor_arity=2)
    text = search.search_text(info.context.stores.settings, query)
    if not text:
        return post_connection(request, [])
    view = await search.viewpoint(context.stores, context.viewer_id)
    hits = await search.search_posts(context.stores, view, text, request.first + 1, request.after)
    prime_authors(info, view, hits)
    return post_connection(request, hits)


async def search_users(info: Info, query: str, first: int | None = None, after: str | None = None) -> Connection[User]:
    context = info.context
    size = page_request(context.stores.settings, first, None, cursor_arity=0).first
    cursor = decode_user_cursor(after) if after is not None else None
    request = PageRequest(size, None if cursor is None else (cursor[0],))  # says a cursor came
    term = search.user_term(info.context.stores.settings, query)
    if not term:
        return user_connection(request, [])
    view = await search.viewpoint(context.stores, context.viewer_id)
    hits = await search.search_users(context.stores, view, term, request.first + 1, cursor)
    for hit in hits:
        context.loaders.user_by_id.prime(hit.user.id, hit.user)
    return user_connection(request, hits)


async def hashtag(info: Info, name: str) -> Hashtag:
    context = info.context
    tag = search.hashtag_name(name)
    view = await search.viewpoint(context.stores, context.viewer_id)
    return Hashtag(name=tag, view=view, counts=HashtagPostCountLoader(context.stores, view))


async def trending_hashtags(info: Info, first: int = DEFAULT_LIST_SIZE) -> list[TrendingHashtag]:
    context = info.context
    size = search.list_size(context.stores.settings, first)
    view = await search.viewpoint(context.stores, context.viewer_id)
    tags = await search.trending_hashtags(context.stores, view, size)
    counts = HashtagPostCountLoader(context.stores, view)  # shared: one count query for the list
    return [
        TrendingHashtag(hashtag=Hashtag(name=tag, view=view, counts=counts), recent_post_count=recent)
        for tag, recent in tags
    ]


async def suggested_users(info: Info, first: int = DEFAULT_LIST_SIZE) -> list[UserSuggestion]:
    context = info.context
    viewer = context.require_viewer()
    found = await search.suggested_users(context.stores, viewer, search.list_size(context.stores.settings, first))
    for suggestion in found:
        context.loaders.user_by_id.prime(suggestion.user.id, suggestion.user)
    return [UserSuggestion(user=User.from_row(s.user), mutual_follow_count=s.mutual_follows) for s in found]
