"""node(id): any object by global id, through the same privacy checks as its own field."""

from __future__ import annotations

import strawberry
from strawberry import relay

from resolvers.users import visible_user
from schema.context import Info
from schema.media import Media
from schema.posts import Comment, Post
from schema.relay import parse_any_global_id
from schema.users import User
from services import post_access
from services.errors import DomainError


async def node(info: Info, id: strawberry.ID) -> relay.Node | None:
    """Null when the object does not exist or is hidden from the viewer; a malformed id is INVALID_ID."""
    type_name, number = parse_any_global_id(id, "id")
    context = info.context
    viewer = context.viewer_id
    if type_name == User.__name__:
        return await visible_user(info, await context.loaders.user_by_id.load(number))
    if type_name == Post.__name__:
        try:
            return Post.from_row(await post_access.post_to_review(context.stores, viewer, number))
        except DomainError:
            return None
    if type_name == Comment.__name__:
        found = await post_access.visible_comment(context.stores, viewer, number)
        return Comment.from_row(found[0]) if found else None
    if type_name == Media.__name__:
        media = await post_access.visible_media(context.stores, viewer, number)
        return Media.from_row(media) if media else None
    return None
