"""Small generated worlds for the privacy equivalence test: people, their edges and posts, a
Hypothesis strategy that draws them, a loader that writes one into real stores with a few
bulk statements, and what the privacy policy says each viewer may see in it."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from dataclasses import dataclass

from hypothesis import strategies as st
from neo4j import AsyncManagedTransaction
from sqlalchemy import delete, insert

from db.content import Audience, Post, PostHashtag
from db.models import AccountStatus, Role, User
from db.saves import Save
from graph.names import BLOCKS, CLOSE_FRIEND, FOLLOWS, ID, REQUESTED, SINCE, USER
from graph.social import Relationship
from services import privacy
from services.stores import Stores

# Every post carries both, so one search and one hashtag page reach every post of a world.
WORD = "sunset"
TAG = "shared"
EDGE_KINDS = (FOLLOWS, REQUESTED, BLOCKS, CLOSE_FRIEND)
WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Person:
    private: bool
    suspended: bool
    moderator: bool  # lists keep to the policy for staff too


@dataclass(frozen=True, slots=True)
class Draft:
    author: int  # index into World.people
    audience: Audience
    deleted: bool
    hidden: bool  # by moderation


@dataclass(frozen=True, slots=True)
class World:
    people: tuple[Person, ...]
    # (from, to) index pairs, as the graph stores them; close friends are (owner, friend).
    edges: dict[str, frozenset[tuple[int, int]]]
    posts: tuple[Draft, ...]

    def has(self, kind: str, a: int, b: int) -> bool:
        return (a, b) in self.edges[kind]

    def relationship(self, viewer: int | None, other: int) -> Relationship:
        """How ``viewer`` stands towards ``other``, read off the world, not the graph."""
        if viewer is None or viewer == other:
            return privacy.NO_RELATIONSHIP
        return Relationship(
            following=self.has(FOLLOWS, viewer, other),
            followed_by=self.has(FOLLOWS, other, viewer),
            requested=self.has(REQUESTED, viewer, other),
            blocking=self.has(BLOCKS, viewer, other),
            blocked_by=self.has(BLOCKS, other, viewer),
            close_friend_of=self.has(CLOSE_FRIEND, other, viewer),
        )

    def viewers(self) -> list[int | None]:
        """Anonymous, and everyone who can sign in (suspended accounts cannot)."""
        return [None, *(i for i, p in enumerate(self.people) if not p.suspended)]


def _consistent(
    people: list[Person], drawn: dict[tuple[int, int], tuple[str | None, bool]]
) -> dict[str, frozenset[tuple[int, int]]]:
    """The edges the product can actually leave behind: a block cuts every other edge
    between the two (graph.social.block), and only private accounts hold pending requests
    (going public approves them all)."""
    edges: dict[str, set[tuple[int, int]]] = {kind: set() for kind in EDGE_KINDS}
    for (a, b), (stance, close) in drawn.items():
        kind = FOLLOWS if stance == REQUESTED and not people[b].private else stance
        if kind is not None:
            edges[kind].add((a, b))
        if close:
            edges[CLOSE_FRIEND].add((a, b))
    for a, b in list(edges[BLOCKS]):
        for kind in (FOLLOWS, REQUESTED, CLOSE_FRIEND):
            edges[kind] -= {(a, b), (b, a)}
    return {kind: frozenset(pairs) for kind, pairs in edges.items()}


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """3-5 people (some private, suspended or staff), any edges between them, 4-8 posts in
    any audience and moderation state."""
    size = draw(st.integers(3, 5))
    people = [
        Person(
            private=draw(st.booleans()),
            suspended=draw(st.integers(0, 4)) == 0,
            moderator=draw(st.integers(0, 4)) == 0,
        )
        for _ in range(size)
    ]
    stances = st.sampled_from([None, FOLLOWS, FOLLOWS, REQUESTED, BLOCKS])
    drawn = {pair: (draw(stances), draw(st.integers(0, 3)) == 0) for pair in itertools.permutations(range(size), 2)}
    drafts = st.builds(
        Draft,
        author=st.integers(0, size - 1),
        audience=st.sampled_from(list(Audience)),
        deleted=st.integers(0, 5).map(lambda n: n == 0),
        hidden=st.integers(0, 5).map(lambda n: n == 0),
    )
    posts = draw(st.lists(drafts, min_size=4, max_size=8))
    return World(tuple(people), _consistent(people, drawn), tuple(posts))


@dataclass(frozen=True, slots=True)
class Loaded:
    """A world in the stores: ids by index, and the rows the policy is asked about."""

    world: World
    user_ids: list[int]
    post_ids: list[int]
    # Rows built from the world itself (not read back), as the policy's input.
    authors: list[User]
    posts: list[Post]

    def viewer_id(self, viewer: int | None) -> int | None:
        return None if viewer is None else self.user_ids[viewer]

    def allowed(self, viewer: int | None) -> set[int]:
        """The posts can_view_post lets ``viewer`` see, fed with the world's relationships."""
        world = self.world
        return {
            post.id
            for draft, post in zip(world.posts, self.posts, strict=True)
            if privacy.can_view_post(
                self.viewer_id(viewer), post, self.authors[draft.author], world.relationship(viewer, draft.author)
            )
        }

    def listed(self, viewer: int | None) -> set[int]:
        """What lists show: the allowed posts, except that every list (feed, search, hashtag
        pages, a user's posts, saved posts) leaves out posts hidden by moderation, even for
        their author, who still reaches them by id (db.search.Viewpoint.shown says so)."""
        hidden = {post.id for post in self.posts if post.hidden_at is not None}
        return self.allowed(viewer) - hidden

    def by_author(self, author: int) -> set[int]:
        return {pid for draft, pid in zip(self.world.posts, self.post_ids, strict=True) if draft.author == author}

    def followed_or_own(self, viewer: int) -> set[int]:
        """Posts by people ``viewer`` follows, or by ``viewer``: the feed's candidates."""
        authors = {viewer} | {b for a, b in self.world.edges[FOLLOWS] if a == viewer}
        return {pid for draft, pid in zip(self.world.posts, self.post_ids, strict=True) if draft.author in authors}


_USER_IDS = itertools.count(1)
_CLEAR_GRAPH = "MATCH (n) DETACH DELETE n"
_CREATE_USERS = f"UNWIND $ids AS uid CREATE (:{USER} {{{ID}: uid}})"
_CREATE_EDGES = {
    kind: (
        f"UNWIND $pairs AS p MATCH (a:{USER} {{{ID}: p[0]}}), (b:{USER} {{{ID}: p[1]}}) "
        f"CREATE (a)-[:{kind} {{{SINCE}: 0}}]->(b)"
    )
    for kind in EDGE_KINDS
}


async def load(stores: Stores, world: World) -> Loaded:
    """Replace whatever an earlier world left with ``world``: one PostgreSQL transaction and
    one graph transaction side by side, and a Redis flush (so every timeline is rebuilt).
    Users get ids never used before, so nothing cached about an earlier world can apply."""
    user_ids = [next(_USER_IDS) for _ in world.people]
    post_ids, _, _ = await asyncio.gather(
        _load_rows(stores, world, user_ids), _load_graph(stores, world, user_ids), stores.redis.flushdb()
    )
    return Loaded(world, user_ids, post_ids, _authors(world, user_ids), _posts(world, user_ids, post_ids))


async def _load_rows(stores: Stores, world: World, user_ids: list[int]) -> list[int]:
    async with stores.sessions.begin() as session:
        await session.execute(delete(User))  # cascades to posts, hashtags and saves
        await session.execute(
            insert(User),
            [
                {
                    "id": uid,
                    "username": f"w{uid}",
                    "email": f"w{uid}@example.com",
                    "password_hash": "-",
                    "is_private": person.private,
                    "status": AccountStatus.SUSPENDED if person.suspended else AccountStatus.ACTIVE,
                    "role": Role.MODERATOR if person.moderator else Role.USER,
                }
                for uid, person in zip(user_ids, world.people, strict=True)
            ],
        )
        rows = await session.execute(
            insert(Post).returning(Post.id, Post.idempotency_key),
            [
                {
                    "author_id": user_ids[draft.author],
                    "caption": f"{WORD} #{TAG}",
                    "audience": draft.audience,
                    "idempotency_key": str(index),
                    "deleted_at": WHEN if draft.deleted else None,
                    "hidden_at": WHEN if draft.hidden else None,
                }
                for index, draft in enumerate(world.posts)
            ],
        )
        by_key = {key: int(pid) for pid, key in rows}
        post_ids = [by_key[str(index)] for index in range(len(world.posts))]
        await session.execute(insert(PostHashtag), [{"post_id": pid, "tag": TAG} for pid in post_ids])
        # Everyone saved every post while they could see it; saves outlive that.
        await session.execute(insert(Save), [{"user_id": uid, "post_id": pid} for uid in user_ids for pid in post_ids])
    return post_ids


async def _load_graph(stores: Stores, world: World, user_ids: list[int]) -> None:
    async def work(tx: AsyncManagedTransaction) -> None:
        await tx.run(_CLEAR_GRAPH)
        await tx.run(_CREATE_USERS, ids=user_ids)
        for kind, pairs in world.edges.items():
            if pairs:
                await tx.run(_CREATE_EDGES[kind], pairs=[[user_ids[a], user_ids[b]] for a, b in pairs])

    await stores.graph.transaction(work)


def _authors(world: World, user_ids: list[int]) -> list[User]:
    return [
        User(
            id=uid,
            username=f"w{uid}",
            is_private=person.private,
            status=AccountStatus.SUSPENDED if person.suspended else AccountStatus.ACTIVE,
            role=Role.MODERATOR if person.moderator else Role.USER,
        )
        for uid, person in zip(user_ids, world.people, strict=True)
    ]


def _posts(world: World, user_ids: list[int], post_ids: list[int]) -> list[Post]:
    return [
        Post(
            id=pid,
            author_id=user_ids[draft.author],
            audience=draft.audience,
            deleted_at=WHEN if draft.deleted else None,
            hidden_at=WHEN if draft.hidden else None,
        )
        for pid, draft in zip(post_ids, world.posts, strict=True)
    ]
