"""Saved posts against the real servers: idempotent saves, paging newest save first, and the
privacy policy on every read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from db.content import Audience
from db.saves import Save
from services import posts, profiles, social
from services.stores import Stores
from tests.integration import feedkit
from tests.integration.test_insights import execute, gid

SAVE = "mutation($id: ID!) { savePost(postId: $id) { post { viewerHasSaved } errors { code field } } }"
UNSAVE = "mutation($id: ID!) { unsavePost(postId: $id) { post { viewerHasSaved } errors { code field } } }"
SAVED = """query($first: Int, $after: String) { savedPosts(first: $first, after: $after) {
  edges { cursor node { id caption viewerHasSaved author { username } } }
  pageInfo { hasNextPage endCursor } } }"""
SAVES = "query($id: ID!) { post(id: $id) { insights { saves days { saves } } } }"


async def mutate(stores: Stores, viewer: int, query: str, post_id: int) -> dict[str, Any]:
    result = await execute(stores, viewer, query, id=gid(post_id))
    assert result.errors is None, result.errors
    payload: dict[str, Any] = next(iter(result.data.values()))
    return payload


async def saved(stores: Stores, viewer: int, first: int = 20, after: str | None = None) -> dict[str, Any]:
    result = await execute(stores, viewer, SAVED, first=first, after=after)
    assert result.errors is None, result.errors
    page: dict[str, Any] = result.data["savedPosts"]
    return page


async def saved_captions(stores: Stores, viewer: int) -> list[str]:
    return [edge["node"]["caption"] for edge in (await saved(stores, viewer))["edges"]]


async def save_count(stores: Stores, author: int, post_id: int) -> int:
    result = await execute(stores, author, SAVES, id=gid(post_id))
    assert result.errors is None, result.errors
    count: int = result.data["post"]["insights"]["saves"]
    assert result.data["post"]["insights"]["days"][-1]["saves"] == count
    return count


async def test_saving_is_idempotent_and_counted(stores: Stores) -> None:
    author, fan, other = await feedkit.users(stores, "ansel", "fan", "other")
    post_id = await feedkit.post(stores, author, "a post")
    for _ in range(2):
        assert await mutate(stores, fan, SAVE, post_id) == {"post": {"viewerHasSaved": True}, "errors": []}
    assert await mutate(stores, other, SAVE, post_id) == {"post": {"viewerHasSaved": True}, "errors": []}
    assert await save_count(stores, author, post_id) == 2
    assert await saved_captions(stores, fan) == ["a post"]
    assert await saved_captions(stores, author) == []  # saves are each viewer's own

    for _ in range(2):
        assert await mutate(stores, fan, UNSAVE, post_id) == {"post": {"viewerHasSaved": False}, "errors": []}
    assert await save_count(stores, author, post_id) == 1
    assert await saved_captions(stores, fan) == []

    missing = await mutate(stores, fan, SAVE, 2**40)
    assert missing == {"post": None, "errors": [{"code": "NOT_FOUND", "field": "postId"}]}
    anonymous = await execute(stores, None, SAVE, id=gid(post_id))
    assert anonymous.errors and anonymous.errors[0].extensions["code"] == "UNAUTHENTICATED"
    anonymous = await execute(stores, None, SAVED)
    assert anonymous.errors and anonymous.errors[0].extensions["code"] == "UNAUTHENTICATED"


async def test_saved_posts_page_newest_save_first(stores: Stores) -> None:
    author, fan = await feedkit.users(stores, "ansel", "fan")
    post_ids = [await feedkit.post(stores, author, f"post {n}") for n in range(5)]
    for post_id in (post_ids[2], post_ids[0], post_ids[4], post_ids[1], post_ids[3]):
        await mutate(stores, fan, SAVE, post_id)
    # Two saves in the same microsecond page in a stable order (by post id), across pages too.
    async with stores.sessions.begin() as session:
        twin = await session.get(Save, (fan, post_ids[1]))
        assert twin is not None
        await session.execute(
            update(Save).where(Save.user_id == fan, Save.post_id == post_ids[4]).values(created_at=twin.created_at)
        )

    captions: list[str] = []
    after = None
    pages = 0
    while True:
        page = await saved(stores, fan, first=2, after=after)
        captions += [edge["node"]["caption"] for edge in page["edges"]]
        assert all(edge["node"]["viewerHasSaved"] for edge in page["edges"])
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert captions == ["post 3", "post 4", "post 1", "post 0", "post 2"]
    assert pages == 3

    bad = await execute(stores, fan, SAVED, first=2, after="not-a-cursor")
    assert bad.errors and bad.errors[0].extensions["reason"] == "INVALID_CURSOR"
    assert bad.errors[0].extensions["code"] == "BAD_USER_INPUT"
    too_many = await execute(stores, fan, SAVED, first=101)
    assert too_many.errors and too_many.errors[0].extensions["reason"] == "INVALID_INPUT"
    assert too_many.errors[0].extensions["code"] == "BAD_USER_INPUT"


async def test_a_saved_post_vanishes_when_the_saver_may_no_longer_see_it(stores: Stores) -> None:
    author, blocker, third, fan = await feedkit.users(stores, "ansel", "blocker", "third", "fan")
    private_later = await feedkit.post(stores, author, "goes private")
    blocked_later = await feedkit.post(stores, blocker, "blocks the saver")
    deleted_later = await feedkit.post(stores, third, "deleted")
    for_followers = await feedkit.post(stores, author, "for followers", Audience.FOLLOWERS)
    await feedkit.follow(stores, fan, author)
    for post_id in (private_later, blocked_later, deleted_later, for_followers):
        await mutate(stores, fan, SAVE, post_id)
    assert await saved_captions(stores, fan) == ["for followers", "deleted", "blocks the saver", "goes private"]

    await social.unfollow(stores, fan, author)
    await profiles.update_profile(stores, author, profiles.ProfileChanges(is_private=True))
    await social.block(stores, blocker, fan)
    await posts.delete_post(stores, third, deleted_later)
    empty = await saved(stores, fan)
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is False

    for post_id in (private_later, blocked_later, deleted_later, for_followers):
        for mutation in (SAVE, UNSAVE):
            assert await mutate(stores, fan, mutation, post_id) == {
                "post": None,
                "errors": [{"code": "NOT_FOUND", "field": "postId"}],
            }

    # Seen again once approved: the save was kept, not lost.
    await social.follow(stores, fan, author)
    await social.approve_follow_request(stores, author, fan)
    assert await saved_captions(stores, fan) == ["for followers", "goes private"]
