"""viewer, user(username), node(id), and the viewer's own lists."""

from __future__ import annotations

from db.models import User as UserRow
from graph.listing import Listing
from schema.context import Info
from schema.relay import Connection
from schema.users import User, people_connection
from services import privacy
from services.validation import normalize_username


async def visible_user(info: Info, row: UserRow | None) -> User | None:
    """The user as the viewer may see it, or None: hidden looks exactly like missing."""
    if row is None:
        return None
    context = info.context
    relationship = privacy.NO_RELATIONSHIP
    if context.viewer_id is not None and context.viewer_id != row.id:
        relationship = await context.loaders.relationship_by_user_id.load(row.id)
    return User.from_row(row) if privacy.can_view_profile(context.viewer_id, row, relationship) else None


async def viewer(info: Info) -> User | None:
    viewer_id = info.context.viewer_id
    if viewer_id is None:
        return None
    return await visible_user(info, await info.context.loaders.user_by_id.load(viewer_id))


async def user(info: Info, username: str) -> User | None:
    return await visible_user(info, await info.context.loaders.user_by_username.load(normalize_username(username)))


async def follow_requests(info: Info, first: int | None = None, after: str | None = None) -> Connection[User]:
    viewer_id = info.context.require_viewer()
    return await people_connection(info, Listing.FOLLOW_REQUESTS, viewer_id, first, after, visible=True)


async def blocked_users(info: Info, first: int | None = None, after: str | None = None) -> Connection[User]:
    viewer_id = info.context.require_viewer()
    # The viewer's own block list shows the people blocked, which every other path hides.
    return await people_connection(info, Listing.BLOCKED, viewer_id, first, after, visible=True, hide_blocked=False)
