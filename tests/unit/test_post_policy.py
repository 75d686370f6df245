"""can_view_post over every kind of viewer, audience, account privacy and post state.

The expected answers are a table written by hand from the product's rules (DESIGN §3),
not derived from the code under test. The policy takes no viewer role: moderators see
more only through services.post_access.post_to_review, never through this function, so
a moderator here is just another viewer standing in one of these relationships.
"""

from __future__ import annotations

import datetime as dt
import enum

import pytest

from db.content import Audience, Post
from db.models import AccountStatus, User
from graph.social import Relationship
from services import privacy

AUTHOR = 1
OTHER = 2
WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class State(enum.Enum):
    LIVE = "live"
    DELETED = "deleted"
    HIDDEN = "hidden by moderation"
    SUSPENDED = "author suspended"


# Who is looking, and what the live posts of a public and of a private account show them,
# for the audiences EVERYONE, FOLLOWERS and CLOSE_FRIENDS in that order ("Y": visible).
VIEWERS: dict[str, tuple[int | None, Relationship, str, str]] = {
    "anonymous": (None, Relationship(), "Y..", "..."),
    "author": (AUTHOR, Relationship(), "YYY", "YYY"),
    "follower": (OTHER, Relationship(following=True, followed_by=True), "YY.", "YY."),
    "close friend": (OTHER, Relationship(following=True, close_friend_of=True), "YYY", "YYY"),
    # Listed as a close friend without following: enough on a public account only.
    "close friend, not following": (OTHER, Relationship(close_friend_of=True), "Y.Y", "..."),
    "non-follower": (OTHER, Relationship(), "Y..", "..."),
    "followed by the author only": (OTHER, Relationship(followed_by=True), "Y..", "..."),
    "pending requester": (OTHER, Relationship(requested=True), "Y..", "..."),
    "blocked by author": (OTHER, Relationship(blocked_by=True), "...", "..."),
    "blocking author": (OTHER, Relationship(blocking=True), "...", "..."),
    # A block cuts every edge; should a stale one survive, the block still wins.
    "close friend blocked by author": (
        OTHER,
        Relationship(following=True, close_friend_of=True, blocked_by=True),
        "...",
        "...",
    ),
    "close friend blocking author": (
        OTHER,
        Relationship(following=True, close_friend_of=True, blocking=True),
        "...",
        "...",
    ),
}
AUDIENCES = [Audience.EVERYONE, Audience.FOLLOWERS, Audience.CLOSE_FRIENDS]


def expected(who: str, audience: Audience, private: bool, state: State) -> bool:
    """Deleted posts are gone for everyone; posts hidden by moderation, and everything a
    suspended account shared, remain for the author alone; live posts follow the table."""
    if state is State.DELETED:
        return False
    if state is not State.LIVE and who != "author":
        return False
    _, _, public_row, private_row = VIEWERS[who]
    row = private_row if private else public_row
    return row[AUDIENCES.index(audience)] == "Y"


def _author(*, private: bool, suspended: bool) -> User:
    return User(
        id=AUTHOR,
        username="author",
        email="author@example.com",
        password_hash="-",
        is_private=private,
        status=AccountStatus.SUSPENDED if suspended else AccountStatus.ACTIVE,
    )


def _post(audience: Audience, state: State) -> Post:
    return Post(
        id=10,
        author_id=AUTHOR,
        caption="",
        audience=audience,
        deleted_at=WHEN if state is State.DELETED else None,
        hidden_at=WHEN if state is State.HIDDEN else None,
    )


@pytest.mark.parametrize("state", list(State), ids=[s.value for s in State])
@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
@pytest.mark.parametrize("audience", AUDIENCES, ids=[a.value for a in AUDIENCES])
@pytest.mark.parametrize("who", list(VIEWERS))
def test_can_view_post(who: str, audience: Audience, private: bool, state: State) -> None:
    viewer_id, relationship, _, _ = VIEWERS[who]
    author = _author(private=private, suspended=state is State.SUSPENDED)
    seen = privacy.can_view_post(viewer_id, _post(audience, state), author, relationship)
    assert seen is expected(who, audience, private, state)


@pytest.mark.parametrize("suspended", [False, True], ids=["active", "suspended"])
@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
@pytest.mark.parametrize("who", list(VIEWERS))
def test_visible_audiences_list_what_can_view_post_allows(who: str, private: bool, suspended: bool) -> None:
    """A user's post list asks for these audiences in SQL: the same answers as the table."""
    viewer_id, relationship, _, _ = VIEWERS[who]
    author = _author(private=private, suspended=suspended)
    state = State.SUSPENDED if suspended else State.LIVE
    wanted = [a for a in AUDIENCES if expected(who, a, private, state)]
    assert privacy.visible_audiences(viewer_id, author, relationship) == wanted
