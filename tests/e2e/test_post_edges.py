"""Edges of the posts API: hidden comments look missing, counts reveal nothing hidden,
concurrent retries of one post, and odd input that must still get a code."""

from __future__ import annotations

import asyncio
import json

import dramatiq

from tests.e2e.client import Api
from tests.e2e.posting import (
    CREATE_POST,
    comment,
    comment_id,
    create_post,
    create_upload,
    declaration,
    delete_comment,
    jpeg,
    post_count,
    ready_media,
    user_action,
)


async def test_comments_of_a_blocker_look_missing_to_delete_and_reply(api: Api, worker: dramatiq.Worker) -> None:
    author = await api.sign_up("author")
    blocker = await api.sign_up("blocker")
    viewer = await api.sign_up("viewer")
    [media] = await ready_media(api, author, 1)
    post = await create_post(api, author, [media])
    hidden = await comment_id(api, blocker, post["id"], "you cannot see me")
    await user_action(api, "block", blocker, viewer)
    # The viewer can still see the post, but not the blocker's comment: both paths say NOT_FOUND,
    # exactly as for a comment that does not exist.
    assert (await delete_comment(api, viewer, hidden))["errors"] == [{"code": "NOT_FOUND", "field": "commentId"}]
    reply = await comment(api, viewer, post["id"], "hello?", reply_to=hidden)
    assert reply["errors"] == [{"code": "NOT_FOUND", "field": "replyToId"}]
    node = await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": hidden}, token=viewer.token)
    assert node["node"] is None
    # The post's author still sees and may delete it.
    assert (await delete_comment(api, author, hidden))["errors"] == []


async def test_concurrent_deletes_count_a_comment_out_once(api: Api, worker: dramatiq.Worker) -> None:
    author = await api.sign_up("author")
    fan = await api.sign_up("fan")
    [media] = await ready_media(api, author, 1)
    post = await create_post(api, author, [media])
    top = await comment_id(api, fan, post["id"], "top")
    await comment_id(api, author, post["id"], "reply", reply_to=top)
    results = await asyncio.gather(delete_comment(api, fan, top), delete_comment(api, author, top))
    assert sorted(len(r["errors"]) for r in results) == [0, 1]
    counts = await api.data("query($id: ID!) { post(id: $id) { commentCount } }", {"id": post["id"]})
    assert counts["post"]["commentCount"] == 0


async def test_a_public_accounts_count_reveals_no_followers_only_posts(api: Api, worker: dramatiq.Worker) -> None:
    author = await api.sign_up("author")
    follower = await api.sign_up("follower")
    await user_action(api, "follow", follower, author)
    media = await ready_media(api, author, 3)
    await create_post(api, author, [media[0]])
    await create_post(api, author, [media[1]], audience="FOLLOWERS")
    await create_post(api, author, [media[2]], audience="CLOSE_FRIENDS")
    assert await post_count(api, None, "author") == 1
    assert await post_count(api, follower, "author") == 2
    assert await post_count(api, author, "author") == 3


async def test_concurrent_retries_with_one_idempotency_key_make_one_post(api: Api, worker: dramatiq.Worker) -> None:
    author = await api.sign_up("author")
    [media] = await ready_media(api, author, 1)
    post_input = {"mediaIds": [media], "caption": "once", "idempotencyKey": "retry-1"}
    results = await asyncio.gather(
        *(api.data(CREATE_POST, {"input": post_input}, token=author.token) for _ in range(5))
    )
    payloads = [r["createPost"] for r in results]
    assert all(p["errors"] == [] for p in payloads), payloads
    assert len({p["post"]["id"] for p in payloads}) == 1
    assert await post_count(api, author, "author") == 1


async def test_odd_upload_input_gets_codes(api: Api) -> None:
    alice = await api.sign_up("alice")
    data = jpeg(64, 64)
    for content_type in ("image/", "image/ png", "image/pngé"):
        created = await create_upload(api, alice, declaration(data, content_type=content_type))
        assert created["errors"] == [{"code": "UNSUPPORTED_FORMAT", "field": "contentType"}], content_type
    created = await create_upload(api, alice, declaration(data, altText="x" * 1001))
    assert created["errors"] == [{"code": "TOO_LONG", "field": "altText"}]
    created = await create_upload(api, alice, declaration(data, filename="a\x00b.jpg"))
    assert created["errors"] == [{"code": "INVALID_INPUT", "field": "filename"}]
    query = "mutation($file: Upload!) { uploadMedia(file: $file) { media { id } errors { code field } } }"
    body = await api.post(query, {"file": "not a file"}, token=alice.token)
    assert body["data"]["uploadMedia"]["errors"] == [{"code": "INVALID_INPUT", "field": "file"}]
    assert json.dumps(body)  # a plain JSON answer, not a 500
