"""A new user's first post, as a client does it: upload, process, post, like, comment."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from typing import Any

import dramatiq
import httpx
from PIL import Image
from strawberry import relay

from db.content import Media
from services.stores import Stores
from settings import Settings
from tests.e2e.client import Account, Api
from tests.e2e.posting import jpeg, upload_image, wait_ready

CREATE_UPLOAD = """mutation($input: CreateUploadInput!) { createUpload(input: $input) {
  media { id status } upload { url method headers { name value } } errors { code field } } }"""
COMPLETE = (
    """mutation($id: ID!) { completeUpload(input: {mediaId: $id}) { media { id status } errors { code field } } }"""
)
MEDIA = """query($id: ID!) { node(id: $id) { ... on Media { status width height blurhash url(size: 320) } } }"""
CREATE_POST = """mutation($input: CreatePostInput!) { createPost(input: $input) {
  post { id caption hashtags audience author { username } media { width url } } errors { code field } } }"""


async def test_upload_process_post_like_and_comment(api: Api, worker: dramatiq.Worker) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    media = await upload_image(api, alice, jpeg())
    ready = await wait_ready(api, alice, media["id"])
    assert ready["status"] == "READY" and (ready["width"], ready["height"]) == (1200, 900)
    assert ready["blurhash"]
    async with httpx.AsyncClient() as client:
        variant = await client.get(ready["url"])
    assert variant.status_code == 200 and Image.open(io.BytesIO(variant.content)).width == 320

    post_input = {"mediaIds": [media["id"]], "caption": "sunset over #Lisbon with @bob", "idempotencyKey": "k1"}
    created = (await api.data(CREATE_POST, {"input": post_input}, token=alice.token))["createPost"]
    assert created["errors"] == []
    post = created["post"]
    assert post["hashtags"] == ["lisbon"] and post["author"] == {"username": "alice"}
    again = (await api.data(CREATE_POST, {"input": post_input}, token=alice.token))["createPost"]
    assert again["post"]["id"] == post["id"]  # the same idempotency key makes no second post

    liked = await api.data(
        "mutation($id: ID!) { likePost(postId: $id) { post { likeCount viewerHasLiked } errors { code } } }",
        {"id": post["id"]},
        token=bob.token,
    )
    assert liked["likePost"] == {"post": {"likeCount": 1, "viewerHasLiked": True}, "errors": []}
    commented = await api.data(
        'mutation($id: ID!) { addComment(input: {postId: $id, text: "Lovely!"}) '
        "{ comment { id text } errors { code } } }",
        {"id": post["id"]},
        token=bob.token,
    )
    assert commented["addComment"]["errors"] == []
    seen = await api.data(
        """query($id: ID!) { post(id: $id) { likeCount commentCount viewerHasLiked
             likers { edges { node { username } } } comments { edges { node { text author { username } } } }
             previewComments { text } } }""",
        {"id": post["id"]},
        token=alice.token,
    )
    assert seen["post"] == {
        "likeCount": 1,
        "commentCount": 1,
        "viewerHasLiked": False,
        "likers": {"edges": [{"node": {"username": "bob"}}]},
        "comments": {"edges": [{"node": {"text": "Lovely!", "author": {"username": "bob"}}}]},
        "previewComments": [{"text": "Lovely!"}],
    }
    profile = await api.data('{ user(username: "alice") { postCount posts { edges { node { id } } } } }')
    assert profile["user"] == {"postCount": 1, "posts": {"edges": [{"node": {"id": post["id"]}}]}}


UPLOAD_MEDIA = """mutation($file: Upload!) { uploadMedia(file: $file, altText: "a cat") {
  media { id status altText } errors { code field } } }"""


async def test_upload_media_in_one_multipart_request(api: Api, worker: dramatiq.Worker) -> None:
    alice = await api.sign_up("alice")
    data = jpeg(640, 480)
    operations = {"query": UPLOAD_MEDIA, "variables": {"file": None}}
    files = {"0": ("cat.jpg", data, "image/jpeg")}
    form = {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})}
    headers = {"authorization": f"Bearer {alice.token}", "graphql-require-preflight": "1"}
    response = await api.http.post("/graphql", data=form, files=files, headers=headers)
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["uploadMedia"]
    assert payload["errors"] == [] and payload["media"]["altText"] == "a cat"
    ready = await wait_ready(api, alice, payload["media"]["id"])
    assert ready["status"] == "READY" and (ready["width"], ready["height"]) == (640, 480)

    refused = await api.http.post(
        "/graphql", data=form, files=files, headers={"authorization": f"Bearer {alice.token}"}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "CSRF_PROTECTION"


MULTIPART_UPLOAD = """mutation($input: CreateUploadInput!) { createUpload(input: $input) {
  media { id } upload { url } multipart { partSize parts { url method headers { name value } } } errors { code } } }"""
COMPLETE_PARTS = """mutation($id: ID!, $parts: [UploadedPartInput!]!) {
  completeUpload(input: {mediaId: $id, parts: $parts}) { media { status } errors { code field } } }"""


async def _parts_uploaded(api: Api, owner: Account, data: bytes) -> tuple[str, list[dict[str, Any]]]:
    """Declare a multipart upload of ``data`` and put every part: the media id and the parts' ETags."""
    declared = {
        "kind": "VIDEO",
        "contentType": "video/mp4",
        "byteSize": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    created = (await api.data(MULTIPART_UPLOAD, {"input": declared}, token=owner.token))["createUpload"]
    assert created["errors"] == [] and created["upload"] is None
    plan = created["multipart"]
    size = plan["partSize"]
    assert len(plan["parts"]) == -(-len(data) // size)
    etags = []
    async with httpx.AsyncClient(timeout=60) as client:
        for number, part in enumerate(plan["parts"], start=1):
            chunk = data[(number - 1) * size : number * size]
            headers = {h["name"]: h["value"] for h in part["headers"]}
            answer = await client.request(part["method"], part["url"], content=chunk, headers=headers)
            assert answer.status_code == 200, answer.text
            etags.append({"partNumber": number, "etag": answer.headers["etag"]})
    return str(created["media"]["id"]), etags


async def test_a_large_video_goes_up_in_parts(api: Api, settings: Settings, worker: dramatiq.Worker) -> None:
    alice = await api.sign_up("alice")
    # Not a playable video: the parts and their ETags are what is under test; processing then
    # rejects the bytes with a code, as it must for any file FFmpeg cannot read.
    data = bytes(range(256)) * ((settings.multipart_threshold_bytes + 300_000) // 256)
    media_id, etags = await _parts_uploaded(api, alice, data)
    wrong = [{"partNumber": 1, "etag": '"0"'}, *etags[1:]]
    refused = (await api.data(COMPLETE_PARTS, {"id": media_id, "parts": wrong}, token=alice.token))["completeUpload"]
    assert refused["errors"] == [{"code": "UPLOAD_INCOMPLETE", "field": "mediaId"}]
    # Completions at the same time all succeed: whoever joins the parts first, the rest find them joined.
    answers = await asyncio.gather(
        *(api.data(COMPLETE_PARTS, {"id": media_id, "parts": etags}, token=alice.token) for _ in range(3))
    )
    assert [a["completeUpload"] for a in answers] == [{"media": {"status": "PROCESSING"}, "errors": []}] * 3
    failed = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Media { status failureCode } } }", {"id": media_id}, token=alice.token
    )
    deadline = asyncio.get_running_loop().time() + 15
    while failed["node"]["status"] == "PROCESSING" and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        failed = await api.data(
            "query($id: ID!) { node(id: $id) { ... on Media { status failureCode } } }",
            {"id": media_id},
            token=alice.token,
        )
    assert failed["node"] == {"status": "FAILED", "failureCode": "UNSUPPORTED_FORMAT"}


async def test_parts_joined_by_a_completion_that_stopped_short_still_complete(
    api: Api, settings: Settings, stores: Stores
) -> None:
    alice = await api.sign_up("alice")
    data = bytes(range(256)) * ((settings.multipart_threshold_bytes + 300_000) // 256)
    media_id, etags = await _parts_uploaded(api, alice, data)
    number = int(relay.GlobalID.from_id(media_id).node_id)
    async with stores.sessions() as session:
        media = await session.get(Media, number)
    assert media is not None and media.upload_id is not None
    # The parts were joined, and then the process stopped before it recorded as much.
    await stores.media.complete_multipart(media.storage_key, media.upload_id, [e["etag"] for e in etags])
    done = (await api.data(COMPLETE_PARTS, {"id": media_id, "parts": etags}, token=alice.token))["completeUpload"]
    assert done == {"media": {"status": "PROCESSING"}, "errors": []}
