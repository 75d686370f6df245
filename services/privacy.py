"""The one place that decides who may see a profile and what hangs off it.

Hidden and missing must look the same to the client, so callers turn a False here into
null or NOT_FOUND, never into a distinct error.
"""

from __future__ import annotations

from db.content import Audience, Post
from db.models import AccountStatus, User
from graph.social import Relationship

NO_RELATIONSHIP = Relationship()


def can_view_profile(viewer_id: int | None, user: User, relationship: Relationship) -> bool:
    """Whether ``viewer_id`` (None: anonymous) may see that ``user`` exists at all."""
    if viewer_id == user.id:
        return True
    if user.status is AccountStatus.SUSPENDED:
        return False
    return not relationship.blocked_either_way


def can_view_content(viewer_id: int | None, user: User, relationship: Relationship) -> bool:
    """Whether the viewer may see what ``user`` shares: posts, followers, following."""
    if not can_view_profile(viewer_id, user, relationship):
        return False
    return viewer_id == user.id or not user.is_private or relationship.following


def can_view_post(viewer_id: int | None, post: Post, author: User, relationship: Relationship) -> bool:
    """Whether the viewer may see ``post`` by ``author``: deletion, moderation, the account's
    privacy, blocks both ways, and the post's audience, checked on every read."""
    if post.deleted_at is not None:
        return False
    if viewer_id == author.id:
        return True
    if post.hidden_at is not None or not can_view_content(viewer_id, author, relationship):
        return False
    if post.audience is Audience.FOLLOWERS:
        return relationship.following
    if post.audience is Audience.CLOSE_FRIENDS:
        return relationship.close_friend_of
    return True


def visible_audiences(viewer_id: int | None, author: User, relationship: Relationship) -> list[Audience]:
    """The audiences of ``author``'s posts the viewer may see (none when the account is hidden)."""
    if viewer_id == author.id:
        return list(Audience)
    if not can_view_content(viewer_id, author, relationship):
        return []
    audiences = [Audience.EVERYONE]
    if relationship.following:
        audiences.append(Audience.FOLLOWERS)
    if relationship.close_friend_of:
        audiences.append(Audience.CLOSE_FRIENDS)
    return audiences


def counted_audiences(viewer_id: int | None, author: User, relationship: Relationship) -> list[Audience]:
    """Which posts count in the ``postCount`` the viewer sees: as on Instagram, a private
    account shows how many posts it has to anyone who can see the profile, but posts for
    close friends count only for them."""
    if not can_view_profile(viewer_id, author, relationship):
        return []
    if author.is_private and viewer_id != author.id and not relationship.following:
        return [Audience.EVERYONE, Audience.FOLLOWERS]
    # Otherwise exactly what the viewer can list, so the count reveals no hidden posts.
    return visible_audiences(viewer_id, author, relationship)
