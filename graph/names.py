"""Labels, relationship types and property names: the graph's vocabulary in one place."""

USER = "User"

FOLLOWS = "FOLLOWS"  # approved follow, property SINCE
REQUESTED = "REQUESTED"  # pending follow of a private account, property SINCE
BLOCKS = "BLOCKS"  # property SINCE
CLOSE_FRIEND = "CLOSE_FRIEND"  # owner -> friend, property SINCE

ID = "id"
SINCE = "since"
# Written by every transaction that changes the edges between two users, so such
# transactions on one pair serialise (Neo4j takes the node locks; ArcadeDB retries).
TOUCHED = "touched"
