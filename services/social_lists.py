"""Pages of followers, following, follow requests and blocked accounts."""

from __future__ import annotations

from graph import listing as graph_listing
from graph.listing import Listing
from services.stores import Stores

# (other user's id, when the edge was made in ms): the pair is also the keyset cursor.
Entry = tuple[int, int]


async def page(
    stores: Stores, listing: Listing, user_id: int, limit: int, after: Entry | None, *, visible: bool
) -> list[Entry]:
    """Up to ``limit`` entries newest first; nothing when the list is hidden from the viewer."""
    if not visible or limit == 0:
        return []
    return await graph_listing.page(stores.graph, listing, user_id, limit, after)
