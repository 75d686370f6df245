"""Labels, relationship types and property names: the graph's vocabulary in one place."""

USER = "User"

FOLLOWS = "FOLLOWS"  # approved follow, property SINCE
REQUESTED = "REQUESTED"  # pending follow of a private account, property SINCE
BLOCKS = "BLOCKS"  # property SINCE
CLOSE_FRIEND = "CLOSE_FRIEND"  # owner -> friend, property SINCE

ID = "id"
SINCE = "since"
# A counter bumped by every transaction that changes the edges between two users, so such
# transactions on one pair serialise (Neo4j takes the node locks; ArcadeDB retries). It must
# change on every write: ArcadeDB leaves a record untouched, and so unguarded, when a SET
# stores the value it already holds.
TOUCHED = "touched"
