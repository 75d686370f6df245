"""A small demo community for `make dev`; running it again changes nothing."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from db import users as user_queries
from services import accounts, profiles, social
from services.errors import DomainError
from services.stores import Stores

log = logging.getLogger(__name__)
DEMO_PASSWORD = "shutter-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    bio: str
    private: bool = False


DEMO_USERS = (
    DemoUser("alice", "Alice Moreau", "Street photography in Lisbon."),
    DemoUser("bob", "Bob Okafor", "Film cameras and coffee."),
    DemoUser("carol", "Carol Tanaka", "Close friends only.", private=True),
    DemoUser("dave", "Dave Lindqvist", "Mountains, mostly."),
    DemoUser("erin", "Erin Walsh", "Private sketchbook.", private=True),
)

# (follower, followee); follows of private accounts start as requests, approved below
DEMO_FOLLOWS = (
    ("bob", "alice"),
    ("carol", "alice"),
    ("dave", "alice"),
    ("alice", "bob"),
    ("dave", "bob"),
    ("alice", "carol"),
    ("erin", "carol"),
    ("bob", "erin"),
)
APPROVED = {("alice", "carol"), ("erin", "carol")}  # bob's request to erin stays pending


async def seed_demo(stores: Stores) -> None:
    names = [u.username for u in DEMO_USERS]
    async with stores.sessions() as session:
        existing = await user_queries.by_usernames(session, names)
    created: set[str] = set()
    for demo in DEMO_USERS:
        if demo.username in existing:
            continue
        try:
            account = await accounts.sign_up(
                stores,
                username=demo.username,
                email=f"{demo.username}@demo.shutter.test",
                password=DEMO_PASSWORD,
                full_name=demo.full_name,
            )
        except DomainError as error:  # a concurrent seed got there first
            log.info("demo user %s: %s", demo.username, error.message)
            continue
        await profiles.update_profile(
            stores, account.user.id, profiles.ProfileChanges(bio=demo.bio, is_private=demo.private)
        )
        created.add(demo.username)
    async with stores.sessions() as session:
        ids = {name: row.id for name, row in (await user_queries.by_usernames(session, names)).items()}
    # Follows are seeded with the users, so a later start never redoes what people undid.
    for follower, followee in DEMO_FOLLOWS:
        if not {follower, followee} & created:
            continue
        with contextlib.suppress(DomainError):
            await social.follow(stores, ids[follower], ids[followee])
            if (follower, followee) in APPROVED:
                await social.approve_follow_request(stores, ids[followee], ids[follower])
