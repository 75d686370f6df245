"""Moderation over HTTP: reports hide a post from everyone but moderators, who restore it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import dramatiq
import httpx
import pytest

from db.models import Role
from services import roles
from services.stores import Stores
from settings import Settings
from tests.e2e.client import Account, Api
from tests.e2e.conftest import LiveServer, live_server_with
from tests.e2e.posting import create_post, ready_media

REPORT = "mutation($id: ID!) { reportPost(postId: $id, reason: SPAM) { counted errors { code field } } }"
POST = "query($id: ID!) { post(id: $id) { id caption } }"
QUEUE = """query { moderationQueue(status: PENDING) { edges { node {
  targetKind reportCount hidden reasons { reason count } post { id caption } } } } }"""
VIEWER = "{ viewer { username } }"
MODERATE = """mutation($id: ID!) { moderatePost(postId: $id, action: RESTORE) { post { id } errors { code } } }"""


@pytest.fixture(scope="module")
def strict_server(settings: Settings) -> Iterator[LiveServer]:
    """A server of its own whose report threshold is 3."""
    with live_server_with(settings, report_hide_threshold=3) as server:
        yield server


@pytest.fixture
async def strict_api(strict_server: LiveServer, stores: Stores) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=strict_server.url, timeout=30) as http:
        yield Api(http, strict_server.ws_url)


async def caption(api: Api, viewer: Account | None, post_id: str) -> str | None:
    found: dict[str, Any] | None = (await api.data(POST, {"id": post_id}, token=viewer.token if viewer else None))[
        "post"
    ]
    return found["caption"] if found else None


async def test_three_distinct_reports_hide_a_post_until_a_moderator_restores_it(
    strict_api: Api, stores: Stores, worker: dramatiq.Worker
) -> None:
    api = strict_api
    author = await api.sign_up("author")
    reporters = [await api.sign_up(f"reporter{i}") for i in range(3)]
    bystander = await api.sign_up("bystander")
    mod = await api.sign_up("moderator")
    await roles.set_role(stores, "moderator", Role.MODERATOR)
    media = await ready_media(api, author, 1)
    post_id = (await create_post(api, author, media, "a questionable picture"))["id"]

    # Non-moderators are turned away from the queue with a top-level FORBIDDEN.
    body = await api.post(QUEUE, token=bystander.token)
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]

    first, second, third = reporters
    for _ in range(2):  # reporting twice counts once
        await api.data(REPORT, {"id": post_id}, token=first.token)
    await api.data(REPORT, {"id": post_id}, token=second.token)
    assert await caption(api, bystander, post_id) == "a questionable picture"
    counted = await api.data(REPORT, {"id": post_id}, token=third.token)
    assert counted["reportPost"] == {"counted": True, "errors": []}

    for viewer in (None, bystander, *reporters):
        assert await caption(api, viewer, post_id) is None
    assert await caption(api, author, post_id) == "a questionable picture"
    late = await api.data(REPORT, {"id": post_id}, token=bystander.token)
    assert late["reportPost"]["errors"] == [{"code": "NOT_FOUND", "field": "postId"}]

    [case] = (await api.data(QUEUE, token=mod.token))["moderationQueue"]["edges"]
    assert case["node"] == {
        "targetKind": "POST",
        "reportCount": 3,
        "hidden": True,
        "reasons": [{"reason": "SPAM", "count": 3}],
        "post": {"id": post_id, "caption": "a questionable picture"},
    }
    restored = await api.data(MODERATE, {"id": post_id}, token=mod.token)
    assert restored["moderatePost"] == {"post": {"id": post_id}, "errors": []}
    results = await asyncio.gather(*(caption(api, viewer, post_id) for viewer in (None, bystander, *reporters)))
    assert results == ["a questionable picture"] * 5
    assert (await api.data(QUEUE, token=mod.token))["moderationQueue"]["edges"] == []


async def test_a_suspended_account_is_signed_out_at_once(api: Api, stores: Stores) -> None:
    mod = await api.sign_up("moderator")
    await roles.set_role(stores, "moderator", Role.MODERATOR)
    spammer = await api.sign_up("spammer")
    bio = 'mutation { updateProfile(input: {bio: "buy now"}) { user { bio } errors { code } } }'
    assert (await api.data(bio, token=spammer.token))["updateProfile"]["errors"] == []

    suspend = "mutation($id: ID!) { suspendUser(userId: $id) { errors { code } } }"
    assert (await api.data(suspend, {"id": spammer.id}, token=mod.token))["suspendUser"]["errors"] == []

    codes: list[str] = []
    for _ in range(100):  # other processes hear of it over Redis: allow them a moment
        body = await api.post(bio, token=spammer.token)
        codes = [error["extensions"]["code"] for error in body.get("errors", [])]
        if codes:
            break
        await asyncio.sleep(0.02)
    assert codes == ["UNAUTHENTICATED"]
    assert (await api.data(VIEWER, token=mod.token))["viewer"]["username"] == "moderator"
