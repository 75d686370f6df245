"""Helpers for the post, privacy and engagement end-to-end tests: upload, process, post, act on posts.

Taken from the flow of ``test_posting.py`` and extended; the same bytes uploaded again by the
same owner are READY at once, which is how one processed picture yields many media cheaply.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import dramatiq
import httpx
from PIL import Image

from tests.e2e.client import Account, Api

ERRORS = "errors { code field }"
CREATE_UPLOAD = f"""mutation($input: CreateUploadInput!) {{ createUpload(input: $input) {{
  media {{ id status }} upload {{ url method headers {{ name value }} }} {ERRORS} }} }}"""
COMPLETE = f"mutation($id: ID!) {{ completeUpload(input: {{mediaId: $id}}) {{ media {{ id status }} {ERRORS} }} }}"
MEDIA = """query($id: ID!) { node(id: $id) { ... on Media {
  status failureCode width height blurhash altText url(size: 320) } } }"""
CREATE_POST = f"""mutation($input: CreatePostInput!) {{ createPost(input: $input) {{
  post {{ id caption hashtags audience author {{ username }} media {{ id url }} }} {ERRORS} }} }}"""
DELETE_POST = f"mutation($id: ID!) {{ deletePost(postId: $id) {{ deletedPostId {ERRORS} }} }}"
LIKE = f"mutation($id: ID!) {{ likePost(postId: $id) {{ post {{ likeCount viewerHasLiked }} {ERRORS} }} }}"
UNLIKE = f"mutation($id: ID!) {{ unlikePost(postId: $id) {{ post {{ likeCount viewerHasLiked }} {ERRORS} }} }}"
ADD_COMMENT = f"""mutation($input: AddCommentInput!) {{ addComment(input: $input) {{
  comment {{ id text replyCount }} {ERRORS} }} }}"""
DELETE_COMMENT = f"mutation($id: ID!) {{ deleteComment(commentId: $id) {{ deletedCommentId {ERRORS} }} }}"
USER_ACTION = f"mutation($id: ID!) {{ {{name}}(userId: $id) {{ {ERRORS} }} }}"
FOLLOW = f"mutation($id: ID!) {{ follow(userId: $id) {{ status {ERRORS} }} }}"
POST_COUNT = "query($username: String!) { user(username: $username) { postCount } }"


@asynccontextmanager
async def own_worker() -> AsyncIterator[dramatiq.Worker]:
    """A worker like the ``worker`` fixture's, for a test that must stop it halfway (stopping twice is not clean)."""
    import jobs.worker.actors  # noqa: F401 - declares the actors on the broker
    from jobs.broker import configure_broker

    running = dramatiq.Worker(configure_broker(), worker_threads=2, worker_timeout=100)
    running.start()
    try:
        yield running
    finally:
        await asyncio.to_thread(running.stop)


def jpeg(width: int = 1200, height: int = 900, colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def declaration(data: bytes, content_type: str = "image/jpeg", **overrides: Any) -> dict[str, Any]:
    """A createUpload input that tells the truth about ``data`` unless ``overrides`` say otherwise."""
    return {
        "kind": "IMAGE",
        "contentType": content_type,
        "byteSize": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "filename": "photo.jpg",
        **overrides,
    }


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    """A payload's errors as (code, field) pairs."""
    return [(error["code"], error["field"]) for error in payload["errors"]]


async def create_upload(api: Api, account: Account, declared: dict[str, Any]) -> dict[str, Any]:
    """The whole createUpload payload, errors included."""
    payload: dict[str, Any] = (await api.data(CREATE_UPLOAD, {"input": declared}, token=account.token))["createUpload"]
    return payload


async def put_bytes(target: dict[str, Any], data: bytes, url: str | None = None) -> httpx.Response:
    """Send ``data`` to an upload target as instructed (optionally to another ``url``)."""
    headers = {header["name"]: header["value"] for header in target["headers"]}
    async with httpx.AsyncClient() as client:
        return await client.request(target["method"], url or target["url"], content=data, headers=headers)


async def complete_upload(api: Api, account: Account, media_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.data(COMPLETE, {"id": media_id}, token=account.token))["completeUpload"]
    return payload


async def upload_image(api: Api, account: Account, data: bytes, content_type: str = "image/jpeg") -> dict[str, Any]:
    """Declare, PUT and complete an upload; the media is PROCESSING afterwards."""
    created = await create_upload(api, account, declaration(data, content_type))
    assert created["errors"] == [], created
    stored = await put_bytes(created["upload"], data)
    assert stored.status_code == 200, stored.text
    completed = await complete_upload(api, account, created["media"]["id"])
    assert completed["errors"] == [] and completed["media"]["status"] == "PROCESSING", completed
    media: dict[str, Any] = created["media"]
    return media


async def wait_ready(api: Api, account: Account, media_id: str, seconds: float = 15) -> dict[str, Any]:
    """The media once processing has ended (READY or FAILED), or as it is after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        node = (await api.data(MEDIA, {"id": media_id}, token=account.token))["node"]
        if node["status"] != "PROCESSING" or asyncio.get_running_loop().time() > deadline:
            return dict(node)
        await asyncio.sleep(0.1)


async def ready_media(api: Api, account: Account, count: int, data: bytes | None = None) -> list[str]:
    """Ids of ``count`` READY media of ``account``: one processed upload, then copies of the same bytes.

    Needs a running worker for the first one.
    """
    data = data or jpeg(480, 360)
    first = await upload_image(api, account, data)
    ready = await wait_ready(api, account, first["id"])
    assert ready["status"] == "READY", ready
    ids = [first["id"]]
    for _ in range(count - 1):
        ids.append(await media_copy(api, account, data))
    return ids


async def media_copy(api: Api, account: Account, data: bytes) -> str:
    """A new media of bytes ``account`` already had processed: READY at once, nothing to upload."""
    created = await create_upload(api, account, declaration(data))
    assert created["errors"] == [] and created["upload"] is None, created
    assert created["media"]["status"] == "READY", created
    media_id: str = created["media"]["id"]
    return media_id


async def try_create_post(
    api: Api,
    account: Account,
    media_ids: list[str],
    caption: str = "",
    audience: str = "EVERYONE",
) -> dict[str, Any]:
    """The whole createPost payload, errors included."""
    post_input = {"mediaIds": media_ids, "caption": caption, "audience": audience}
    payload: dict[str, Any] = (await api.data(CREATE_POST, {"input": post_input}, token=account.token))["createPost"]
    return payload


async def create_post(
    api: Api, account: Account, media_ids: list[str], caption: str = "", audience: str = "EVERYONE"
) -> dict[str, Any]:
    """A post that must be created; returns the post."""
    payload = await try_create_post(api, account, media_ids, caption, audience)
    assert payload["errors"] == [], payload
    post: dict[str, Any] = payload["post"]
    return post


async def delete_post(api: Api, account: Account, post_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.data(DELETE_POST, {"id": post_id}, token=account.token))["deletePost"]
    return payload


async def like(api: Api, account: Account, post_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.data(LIKE, {"id": post_id}, token=account.token))["likePost"]
    return payload


async def unlike(api: Api, account: Account, post_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.data(UNLIKE, {"id": post_id}, token=account.token))["unlikePost"]
    return payload


async def comment(api: Api, account: Account, post_id: str, text: str, reply_to: str | None = None) -> dict[str, Any]:
    """The whole addComment payload, errors included."""
    comment_input = {"postId": post_id, "text": text, "replyToId": reply_to}
    payload: dict[str, Any] = (await api.data(ADD_COMMENT, {"input": comment_input}, token=account.token))["addComment"]
    return payload


async def comment_id(api: Api, account: Account, post_id: str, text: str, reply_to: str | None = None) -> str:
    """The id of a comment that must be added."""
    payload = await comment(api, account, post_id, text, reply_to)
    assert payload["errors"] == [], payload
    added: str = payload["comment"]["id"]
    return added


async def delete_comment(api: Api, account: Account, target_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.data(DELETE_COMMENT, {"id": target_id}, token=account.token))["deleteComment"]
    return payload


async def user_action(api: Api, name: str, actor: Account, target: Account) -> None:
    """One social mutation taking ``userId`` (block, removeFollower, addCloseFriend, ...) that must succeed."""
    payload = (await api.data(USER_ACTION.replace("{name}", name), {"id": target.id}, token=actor.token))[name]
    assert payload["errors"] == [], (name, payload)


async def follow(api: Api, follower: Account, followee: Account) -> str:
    """Follow; returns the status (FOLLOWING, or REQUESTED for a private account)."""
    payload = (await api.data(FOLLOW, {"id": followee.id}, token=follower.token))["follow"]
    assert payload["errors"] == [], payload
    status: str = payload["status"]
    return status


async def approved_follower(api: Api, follower: Account, followee: Account) -> None:
    """Make ``follower`` an approved follower, asking and approving when the account is private."""
    if await follow(api, follower, followee) == "REQUESTED":
        await user_action(api, "approveFollowRequest", followee, follower)


async def post_count(api: Api, viewer: Account | None, username: str) -> int | None:
    """``postCount`` of ``username`` as ``viewer`` sees it; None when the profile is hidden."""
    data = await api.data(POST_COUNT, {"username": username}, token=viewer.token if viewer else None)
    user = data["user"]
    return None if user is None else int(user["postCount"])
