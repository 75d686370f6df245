"""A page costs the same round trips for 5 items as for 50: every relation goes through a loader.

The counts are pinned: a resolver that starts querying once per post or per comment makes
the 50-item page dearer than the 5-item one, and a new batch shows as a count above its pin.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from strawberry import relay

from bench.roundtrips import RoundTrips, count_round_trips
from db.content import MediaKind, MediaStatus
from schema import ShutterSchema, build_schema
from schema.context import Context, in_process_context
from services import accounts, engagement, follow_counts, media_processing, posts, social, uploads
from services.stores import Stores
from settings import Settings

POST_COUNT = 50
COMMENT_COUNT = 50
SMALL, LARGE = 5, 50

AUTHOR_POSTS = """
query ($username: String!, $first: Int!) {
  user(username: $username) {
    postCount
    posts(first: $first) {
      edges { node {
        id caption hashtags
        author { username followerCount }
        media { width height blurhash url(size: 320) }
        likeCount commentCount viewerHasLiked
        previewComments { text author { username } }
      } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""

POST_COMMENTS = """
query ($id: ID!, $first: Int!) {
  post(id: $id) {
    commentCount
    comments(first: $first) {
      edges { node { id text author { username followerCount } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


@dataclass(frozen=True)
class Gallery:
    """An author's 50 posts, liked and commented on by a few people, the viewer among them."""

    author: str
    viewer_token: str
    user_ids: list[int]
    busy_post_id: int  # the newest post, with 50 comments


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (90, 140, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def _declare(data: bytes, filename: str) -> uploads.NewUpload:
    return uploads.NewUpload(
        kind=MediaKind.IMAGE,
        content_type="image/jpeg",
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        filename=filename,
    )


async def _sign_up(stores: Stores, name: str) -> accounts.Session:
    return await accounts.sign_up(
        stores, username=name, email=f"{name}@example.com", password="long-enough-pw", full_name=name.title()
    )


async def _ready_media(stores: Stores, owner: int, count: int) -> list[int]:
    """One processed upload, then the same bytes declared again: those are READY at once."""
    data = _jpeg()
    plan = await uploads.create_upload(stores, owner, _declare(data, "first.jpg"))
    await stores.media.put(plan.media.storage_key, data, "image/jpeg")
    await uploads.complete_upload(stores, owner, plan.media.id, [])
    assert await media_processing.process_media(stores, plan.media.id) is MediaStatus.READY
    ids = [plan.media.id]
    while len(ids) < count:
        twin = await uploads.create_upload(stores, owner, _declare(data, f"again-{len(ids)}.jpg"))
        assert twin.media.status is MediaStatus.READY
        ids.append(twin.media.id)
    return ids


async def _build_gallery(stores: Stores) -> Gallery:
    author = await _sign_up(stores, "ansel")
    viewer = await _sign_up(stores, "viewer")
    fans = [await _sign_up(stores, f"fan{n}") for n in range(1, 4)]
    author_id, viewer_id = author.user.id, viewer.user.id
    fan_ids = [fan.user.id for fan in fans]
    await social.follow(stores, viewer_id, author_id)
    await social.follow(stores, fan_ids[0], author_id)
    await social.follow(stores, author_id, fan_ids[1])

    media_per_post = [1 + i % 2 for i in range(POST_COUNT)]
    media = await _ready_media(stores, author_id, sum(media_per_post))
    post_ids: list[int] = []
    for i, count in enumerate(media_per_post):
        taken, media = media[:count], media[count:]
        post = await posts.create_post(
            stores, author_id, posts.NewPost(media_ids=taken, caption=f"frame {i} #film #roll{i % 5}")
        )
        post_ids.append(post.id)

    busy_post_id = post_ids[-1]  # the newest: first on every page
    for i, post_id in enumerate(post_ids[:-1]):
        if i % 3 == 0:
            await engagement.like_post(stores, viewer_id, post_id)
        if i % 2 == 0:
            await engagement.like_post(stores, fan_ids[0], post_id)
        if i % 5 == 0:
            await engagement.like_post(stores, fan_ids[2], post_id)
        if i % 4 != 3:
            await engagement.add_comment(stores, fan_ids[i % 3], post_id, f"nice frame {i}")
        if i % 6 == 0:
            await engagement.add_comment(stores, viewer_id, post_id, f"love it {i}")
    commenters = [viewer_id, *fan_ids, author_id]
    for n in range(COMMENT_COUNT):
        await engagement.add_comment(stores, commenters[n % len(commenters)], busy_post_id, f"comment {n}")
    await engagement.like_post(stores, viewer_id, busy_post_id)
    return Gallery("ansel", viewer.access_token, [author_id, *commenters[:-1]], busy_post_id)


def _context(stores: Stores, token: str) -> Context:
    return in_process_context(stores, token, "test")


async def _run(
    schema: ShutterSchema, stores: Stores, gallery: Gallery, query: str, variables: dict[str, Any], *, warm: bool
) -> tuple[dict[str, Any], RoundTrips]:
    """Execute ``query`` as the viewer, counting round trips; follow counts come from the
    graph (cold) or from the Redis cache an identical run just filled (warm)."""
    await follow_counts.invalidate(stores, *gallery.user_ids)
    if warm:
        await schema.execute(query, variable_values=variables, context_value=_context(stores, gallery.viewer_token))
    with count_round_trips(stores) as counted:
        result = await schema.execute(
            query, variable_values=variables, context_value=_context(stores, gallery.viewer_token)
        )
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data, counted


def _assert_flat(counts: dict[int, RoundTrips], limits: dict[str, int]) -> None:
    """The large page costs what the small one does, and no more than measured."""
    small, large = counts[SMALL].totals(), counts[LARGE].totals()
    assert small == large, f"{SMALL} items: {small}, {LARGE} items: {large}\n{counts[LARGE].report()}"
    over = {store: large[store] for store in limits if large[store] > limits[store]}
    assert not over, f"more round trips than pinned {limits}: {over}\n{counts[LARGE].report()}"


@pytest.fixture
async def gallery(stores: Stores) -> Gallery:
    return await _build_gallery(stores)


# Measured on this data. Cold: 9 SQL statements, each in its own pool checkout (the user by
# name, post counts, the page, then one batch each for hashtags, media, viewerHasLiked,
# preview comments, post authors and comment authors); 3 graph reads (the viewer's
# relationship to the author, to the comment authors, follow counts); 3 Redis round trips
# (the operation's rate-limit bucket, MGET of cached follow counts, one pipeline caching what
# the graph counted). Warm: the same SQL, 2 graph reads, the bucket and the MGET.
POSTS_PAGE_LIMITS = {
    False: {"sql": 9, "checkouts": 9, "graph": 3, "redis": 3},
    True: {"sql": 9, "checkouts": 9, "graph": 2, "redis": 2},
}


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
async def test_a_page_of_posts_costs_the_same_for_5_as_for_50(
    settings: Settings, stores: Stores, gallery: Gallery, warm: bool
) -> None:
    schema = build_schema(settings)
    pages: dict[int, dict[str, Any]] = {}
    counts: dict[int, RoundTrips] = {}
    for size in (SMALL, LARGE):
        variables = {"username": gallery.author, "first": size}
        data, counts[size] = await _run(schema, stores, gallery, AUTHOR_POSTS, variables, warm=warm)
        pages[size] = data["user"]

    for size, user in pages.items():
        assert user["postCount"] == POST_COUNT
        nodes = [edge["node"] for edge in user["posts"]["edges"]]
        assert len(nodes) == size
        assert user["posts"]["pageInfo"]["hasNextPage"] is (size < POST_COUNT)
        assert {node["author"]["username"] for node in nodes} == {gallery.author}
        assert nodes[0]["author"]["followerCount"] == 2
        assert all(node["media"] and node["media"][0]["url"] and node["media"][0]["width"] for node in nodes)
        assert all("film" in node["hashtags"] for node in nodes)
        assert nodes[0]["commentCount"] == COMMENT_COUNT and len(nodes[0]["previewComments"]) == 2
        assert {node["viewerHasLiked"] for node in nodes} == {True, False}
    large = [edge["node"] for edge in pages[LARGE]["posts"]["edges"]]
    assert {len(node["media"]) for node in large} == {1, 2}
    assert any(node["likeCount"] >= 2 for node in large)

    _assert_flat(counts, POSTS_PAGE_LIMITS[warm])


# Measured: 4 SQL statements in 3 checkouts (the post and its author in one session, the
# page, the comment authors). Cold: 3 graph reads (the viewer's relationship to the post's
# author, to the comment authors, follow counts) and 3 Redis round trips (the rate-limit
# bucket among them); warm: 2 and 2.
COMMENTS_PAGE_LIMITS = {
    False: {"sql": 4, "checkouts": 3, "graph": 3, "redis": 3},
    True: {"sql": 4, "checkouts": 3, "graph": 2, "redis": 2},
}


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
async def test_a_page_of_comments_costs_the_same_for_5_as_for_50(
    settings: Settings, stores: Stores, gallery: Gallery, warm: bool
) -> None:
    schema = build_schema(settings)
    post_id = str(relay.GlobalID("Post", str(gallery.busy_post_id)))
    counts: dict[int, RoundTrips] = {}
    for size in (SMALL, LARGE):
        data, counts[size] = await _run(
            schema, stores, gallery, POST_COMMENTS, {"id": post_id, "first": size}, warm=warm
        )
        post = data["post"]
        assert post["commentCount"] == COMMENT_COUNT
        nodes = [edge["node"] for edge in post["comments"]["edges"]]
        assert [node["text"] for node in nodes] == [f"comment {n}" for n in range(size)]
        assert {node["author"]["username"] for node in nodes} == {"viewer", "fan1", "fan2", "fan3", "ansel"}
        assert post["comments"]["pageInfo"]["hasNextPage"] is (size < COMMENT_COUNT)

    _assert_flat(counts, COMMENTS_PAGE_LIMITS[warm])
