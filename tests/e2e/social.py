"""Shared steps for the social-graph end-to-end tests."""

from __future__ import annotations

import base64
from typing import Any

from tests.e2e.client import Account, Api

ERRORS = "errors { code field message }"
RELATION = (
    "id username followerCount followingCount viewerIsFollowing followsViewer viewerHasRequested viewerHasBlocked"
)
FOLLOW_MUTATION = "mutation($id: ID!) {{ {name}(userId: $id) {{ status user {{ {fields} }} {errors} }} }}"
USER_MUTATION = "mutation($id: ID!) {{ {name}(userId: $id) {{ user {{ {fields} }} {errors} }} }}"
PROFILE = f"query($username: String!) {{ user(username: $username) {{ {RELATION} }} }}"
NODE = "query($id: ID!) { node(id: $id) { id ... on User { username } } }"
PEOPLE = """query($username: String!, $first: Int, $after: String) { user(username: $username) {
    followers(first: $first, after: $after) { edges { cursor node { username } } pageInfo { hasNextPage endCursor } }
    following(first: $first, after: $after) { edges { cursor node { username } } pageInfo { hasNextPage endCursor } }
} }"""
FOLLOWERS_PAGE = """query($username: String!, $first: Int, $after: String) { user(username: $username) {
    followers(first: $first, after: $after) {
        edges { cursor node { username } } pageInfo { hasNextPage hasPreviousPage endCursor } }
} }"""
REQUESTS = "{ followRequests { edges { node { username viewerHasRequested } } } }"
BLOCKED = "{ blockedUsers { edges { node { username viewerHasBlocked } } } }"
MISSING_USER_ID = base64.b64encode(b"User:123456789").decode()


async def follow(api: Api, actor: Account, target: Account | str) -> dict[str, Any]:
    return await mutate(api, FOLLOW_MUTATION, "follow", actor, target)


async def unfollow(api: Api, actor: Account, target: Account | str) -> dict[str, Any]:
    return await mutate(api, FOLLOW_MUTATION, "unfollow", actor, target)


async def act(api: Api, name: str, actor: Account, target: Account | str) -> dict[str, Any]:
    """One of the UserPayload mutations: approve/rejectFollowRequest, removeFollower, block, unblock."""
    return await mutate(api, USER_MUTATION, name, actor, target)


async def mutate(api: Api, template: str, name: str, actor: Account, target: Account | str) -> dict[str, Any]:
    query = template.format(name=name, fields=RELATION, errors=ERRORS)
    user_id = target if isinstance(target, str) else target.id
    data = await api.data(query, {"id": user_id}, token=actor.token)
    payload: dict[str, Any] = data[name]
    return payload


async def profile(api: Api, viewer: Account | None, username: str) -> dict[str, Any] | None:
    data = await api.data(PROFILE, {"username": username}, token=viewer.token if viewer else None)
    found: dict[str, Any] | None = data["user"]
    return found


async def seen(api: Api, viewer: Account | None, username: str) -> dict[str, Any]:
    """The profile as ``viewer`` sees it; it must be visible."""
    found = await profile(api, viewer, username)
    assert found is not None, f"{username} is hidden from {viewer.username if viewer else 'anonymous'}"
    return found


async def counts(api: Api, username: str) -> tuple[int, int]:
    found = await seen(api, None, username)
    return found["followerCount"], found["followingCount"]


async def names(api: Api, query: str, viewer: Account) -> list[str]:
    data = await api.data(query, token=viewer.token)
    connection = next(iter(data.values()))
    return [edge["node"]["username"] for edge in connection["edges"]]


async def people(api: Api, viewer: Account | None, username: str, first: int | None = None) -> dict[str, list[str]]:
    """Usernames in ``username``'s followers and following lists, as ``viewer`` sees them."""
    variables = {"username": username, "first": first}
    data = await api.data(PEOPLE, variables, token=viewer.token if viewer else None)
    return {
        side: [edge["node"]["username"] for edge in data["user"][side]["edges"]] for side in ("followers", "following")
    }


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(error["code"], error["field"]) for error in payload["errors"]]


# --- following public accounts ------------------------------------------------------------
