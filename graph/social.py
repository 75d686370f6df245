"""Follow, request, block and close-friend edges between users."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from graph.driver import Graph
from graph.names import BLOCKS, CLOSE_FRIEND, FOLLOWS, ID, REQUESTED, SINCE, TOUCHED, USER


class FollowOutcome(enum.StrEnum):
    FOLLOWING = "FOLLOWING"
    REQUESTED = "REQUESTED"
    BLOCKED = "BLOCKED"


@dataclass(frozen=True, slots=True)
class Relationship:
    """How a viewer and one other user stand towards each other."""

    following: bool = False
    followed_by: bool = False
    requested: bool = False
    blocking: bool = False
    blocked_by: bool = False
    close_friend_of: bool = False  # the other user lists the viewer as a close friend

    @property
    def blocked_either_way(self) -> bool:
        return self.blocking or self.blocked_by


ENSURE_ATTEMPTS = 3
_ENSURE_USERS = f"UNWIND $ids AS uid MERGE (u:{USER} {{{ID}: uid}})"

_LOCK_PAIR = (
    f"MATCH (a:{USER} {{{ID}: $a}}), (b:{USER} {{{ID}: $b}}) "
    f"SET a.{TOUCHED} = coalesce(a.{TOUCHED}, 0) + 1, b.{TOUCHED} = coalesce(b.{TOUCHED}, 0) + 1 "
    f"RETURN EXISTS {{ (a)-[:{BLOCKS}]-(b) }} AS blocked, "
    f"EXISTS {{ (a)-[:{FOLLOWS}]->(b) }} AS following"
)


async def ensure_users(graph: Graph, ids: list[int]) -> None:
    """Make sure each user has a node; MERGE keeps this idempotent.

    Two transactions creating the same node race on the unique constraint (ArcadeDB
    reports it instead of waiting); the loser's retry then simply matches the node.
    """
    for attempt in range(ENSURE_ATTEMPTS):
        try:
            await graph.write(_ENSURE_USERS, ids=ids)
            return
        except ConstraintError:
            if attempt == ENSURE_ATTEMPTS - 1:
                raise


async def _lock_pair(tx: AsyncManagedTransaction, a: int, b: int) -> tuple[bool, bool]:
    result = await tx.run(_LOCK_PAIR, a=a, b=b)
    record = await result.single()
    if record is None:
        raise LookupError("user node missing")
    return bool(record["blocked"]), bool(record["following"])


async def _merge_edge(tx: AsyncManagedTransaction, kind: str, a: int, b: int, now: int) -> None:
    await tx.run(
        f"MATCH (a:{USER} {{{ID}: $a}}), (b:{USER} {{{ID}: $b}}) "
        f"MERGE (a)-[r:{kind}]->(b) ON CREATE SET r.{SINCE} = $now",
        a=a,
        b=b,
        now=now,
    )


async def follow(graph: Graph, follower: int, followee: int, *, private: bool, now: int) -> FollowOutcome:
    """Follow ``followee``, or ask to when the account is private and not yet followed."""
    await ensure_users(graph, [follower, followee])

    async def work(tx: AsyncManagedTransaction) -> FollowOutcome:
        blocked, following = await _lock_pair(tx, follower, followee)
        if blocked:
            return FollowOutcome.BLOCKED
        if following:
            return FollowOutcome.FOLLOWING
        await _merge_edge(tx, REQUESTED if private else FOLLOWS, follower, followee, now)
        if not private:
            await _delete_edge(tx, REQUESTED, follower, followee)
        return FollowOutcome.REQUESTED if private else FollowOutcome.FOLLOWING

    return await graph.transaction(work)


async def _delete_edge(tx: AsyncManagedTransaction, kind: str, a: int, b: int) -> int:
    result = await tx.run(
        f"MATCH (:{USER} {{{ID}: $a}})-[r:{kind}]->(:{USER} {{{ID}: $b}}) DELETE r RETURN count(*) AS n",
        a=a,
        b=b,
    )
    record = await result.single()
    return int(record["n"]) if record else 0


async def _remove_edges(graph: Graph, kinds: tuple[str, ...], a: int, b: int) -> int:
    """Delete edges of the given kinds from ``a`` to ``b``; returns how many went."""

    async def work(tx: AsyncManagedTransaction) -> int:
        return sum([await _delete_edge(tx, kind, a, b) for kind in kinds])

    return await graph.transaction(work)


async def approve_request(graph: Graph, owner: int, requester: int, now: int) -> bool:
    """Turn a pending request into a follow; False when there was no request."""

    async def work(tx: AsyncManagedTransaction) -> bool:
        if await _delete_edge(tx, REQUESTED, requester, owner) == 0:
            return False
        await _merge_edge(tx, FOLLOWS, requester, owner, now)
        return True

    return await graph.transaction(work)


async def approve_all_requests(graph: Graph, owner: int, now: int) -> list[int]:
    """An account going public accepts everyone who asked; returns who that was."""
    records = await graph.write(
        f"MATCH (a:{USER})-[q:{REQUESTED}]->(b:{USER} {{{ID}: $owner}}) "
        f"MERGE (a)-[r:{FOLLOWS}]->(b) ON CREATE SET r.{SINCE} = $now "
        f"DELETE q RETURN a.{ID} AS aid",
        owner=owner,
        now=now,
    )
    return [int(r["aid"]) for r in records]


async def block(graph: Graph, blocker: int, blocked: int, now: int) -> None:
    """Block, and cut every follow, request and close-friend edge between the two."""
    await ensure_users(graph, [blocker, blocked])

    async def work(tx: AsyncManagedTransaction) -> None:
        await _lock_pair(tx, blocker, blocked)
        await _merge_edge(tx, BLOCKS, blocker, blocked, now)
        await tx.run(
            f"MATCH (a:{USER} {{{ID}: $a}})-[r]-(b:{USER} {{{ID}: $b}}) WHERE type(r) <> '{BLOCKS}' DELETE r",
            a=blocker,
            b=blocked,
        )

    await graph.transaction(work)


async def relationship(graph: Graph, viewer: int, other: int) -> Relationship:
    """How ``viewer`` relates to ``other``."""
    return (await relationships(graph, viewer, [other]))[other]


async def relationships(graph: Graph, viewer: int, others: list[int]) -> dict[int, Relationship]:
    """How ``viewer`` relates to each of ``others``, in one round trip."""
    records = await graph.read(
        # UNWIND first: ArcadeDB returns no rows for MATCH ... UNWIND ... MATCH.
        f"UNWIND $others AS oid MATCH (v:{USER} {{{ID}: $viewer}}), (o:{USER} {{{ID}: oid}}) "
        f"RETURN oid, EXISTS {{ (v)-[:{FOLLOWS}]->(o) }} AS following, "
        f"EXISTS {{ (o)-[:{FOLLOWS}]->(v) }} AS followed_by, "
        f"EXISTS {{ (v)-[:{REQUESTED}]->(o) }} AS requested, "
        f"EXISTS {{ (v)-[:{BLOCKS}]->(o) }} AS blocking, "
        f"EXISTS {{ (o)-[:{BLOCKS}]->(v) }} AS blocked_by, "
        f"EXISTS {{ (o)-[:{CLOSE_FRIEND}]->(v) }} AS close_friend_of",
        viewer=viewer,
        others=others,
    )
    found = {
        int(r["oid"]): Relationship(
            following=r["following"],
            followed_by=r["followed_by"],
            requested=r["requested"],
            blocking=r["blocking"],
            blocked_by=r["blocked_by"],
            close_friend_of=r["close_friend_of"],
        )
        for r in records
    }
    return {oid: found.get(oid, Relationship()) for oid in others}


async def follow_counts(graph: Graph, ids: list[int]) -> dict[int, tuple[int, int]]:
    """(followers, following) per user, counted from the edges themselves."""
    records = await graph.read(
        f"UNWIND $ids AS uid MATCH (u:{USER} {{{ID}: uid}}) "
        f"RETURN uid, COUNT {{ (u)<-[:{FOLLOWS}]-() }} AS followers, "
        f"COUNT {{ (u)-[:{FOLLOWS}]->() }} AS following",
        ids=ids,
    )
    found = {int(r["uid"]): (int(r["followers"]), int(r["following"])) for r in records}
    return {uid: found.get(uid, (0, 0)) for uid in ids}


async def add_close_friend(graph: Graph, owner: int, friend: int, now: int) -> FollowOutcome:
    """List ``friend`` among ``owner``'s close friends; refused across a block."""
    await ensure_users(graph, [owner, friend])

    async def work(tx: AsyncManagedTransaction) -> FollowOutcome:
        blocked, _ = await _lock_pair(tx, owner, friend)
        if blocked:
            return FollowOutcome.BLOCKED
        await _merge_edge(tx, CLOSE_FRIEND, owner, friend, now)
        return FollowOutcome.FOLLOWING

    return await graph.transaction(work)


async def unfollow(graph: Graph, follower: int, followee: int) -> int:
    """Stop following, or withdraw a pending request; returns how many edges went."""
    return await _remove_edges(graph, (FOLLOWS, REQUESTED), follower, followee)


async def reject_request(graph: Graph, owner: int, requester: int) -> bool:
    return await _remove_edges(graph, (REQUESTED,), requester, owner) > 0


async def remove_follower(graph: Graph, owner: int, follower: int) -> bool:
    return await _remove_edges(graph, (FOLLOWS,), follower, owner) > 0


async def unblock(graph: Graph, blocker: int, blocked: int) -> bool:
    return await _remove_edges(graph, (BLOCKS,), blocker, blocked) > 0


async def remove_close_friend(graph: Graph, owner: int, friend: int) -> bool:
    return await _remove_edges(graph, (CLOSE_FRIEND,), owner, friend) > 0
