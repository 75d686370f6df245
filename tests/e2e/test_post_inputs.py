"""Bad input to posting and uploading: each refusal has its code and field, and leaves nothing half-stored."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dramatiq
import pytest

from tests.e2e.client import Account, Api
from tests.e2e.posting import (
    codes,
    complete_upload,
    create_post,
    create_upload,
    declaration,
    jpeg,
    media_copy,
    post_count,
    put_bytes,
    ready_media,
    try_create_post,
    upload_image,
    wait_ready,
)
from tests.media_samples import png_claiming_size

MB = 1024 * 1024


@dataclass
class Desk:
    """An author with READY media to spend, and someone else."""

    api: Api
    author: Account
    other: Account
    data: bytes

    async def fresh(self) -> str:
        return await media_copy(self.api, self.author, self.data)


# Each case makes the createPost arguments (media ids, caption) that must be refused, and says
# which of those ids are the author's good, unused media that must stay usable afterwards.
Case = Callable[[Desk], Awaitable[tuple[list[str], str, list[str]]]]


async def long_caption(desk: Desk) -> tuple[list[str], str, list[str]]:
    media = [await desk.fresh()]
    return media, "x" * 2201, media


async def many_hashtags(desk: Desk) -> tuple[list[str], str, list[str]]:
    media = [await desk.fresh()]
    return media, " ".join(f"#tag{n}" for n in range(31)), media


async def many_mentions(desk: Desk) -> tuple[list[str], str, list[str]]:
    media = [await desk.fresh()]
    return media, " ".join(f"@user{n}" for n in range(21)), media


async def many_media(desk: Desk) -> tuple[list[str], str, list[str]]:
    media = [await desk.fresh() for _ in range(21)]
    return media, "", media[:20]


async def no_media(desk: Desk) -> tuple[list[str], str, list[str]]:
    return [], "", []


async def same_media_twice(desk: Desk) -> tuple[list[str], str, list[str]]:
    media = await desk.fresh()
    return [media, media], "", [media]


async def someone_elses_media(desk: Desk) -> tuple[list[str], str, list[str]]:
    (theirs,) = await ready_media(desk.api, desk.other, 1, desk.data)
    mine = await desk.fresh()
    return [mine, theirs], "", [mine]


async def media_not_ready(desk: Desk) -> tuple[list[str], str, list[str]]:
    never_sent = jpeg(64, 48, (200, 10, 10))
    created = await create_upload(desk.api, desk.author, declaration(never_sent))
    assert created["errors"] == [] and created["media"]["status"] == "AWAITING_UPLOAD", created
    mine = await desk.fresh()
    return [mine, created["media"]["id"]], "", [mine]


async def media_in_use(desk: Desk) -> tuple[list[str], str, list[str]]:
    used = await desk.fresh()
    await create_post(desk.api, desk.author, [used], "the first post")
    mine = await desk.fresh()
    return [mine, used], "", [mine]


async def malformed_media_id(desk: Desk) -> tuple[list[str], str, list[str]]:
    mine = await desk.fresh()
    return [mine, "not-an-id"], "", [mine]


async def post_id_as_media_id(desk: Desk) -> tuple[list[str], str, list[str]]:
    post = await create_post(desk.api, desk.author, [await desk.fresh()], "the first post")
    mine = await desk.fresh()
    return [mine, post["id"]], "", [mine]


async def missing_media(desk: Desk) -> tuple[list[str], str, list[str]]:
    mine = await desk.fresh()
    return [mine, base64.b64encode(b"Media:123456789").decode()], "", [mine]


POST_CASES: list[tuple[str, Case, str, str]] = [
    ("caption over 2,200 characters", long_caption, "TOO_LONG", "caption"),
    ("31 hashtags", many_hashtags, "TOO_MANY_HASHTAGS", "caption"),
    ("21 mentions", many_mentions, "TOO_MANY_MENTIONS", "caption"),
    ("21 media", many_media, "TOO_MANY_MEDIA", "mediaIds"),
    ("no media", no_media, "INVALID_INPUT", "mediaIds"),
    ("the same media twice", same_media_twice, "INVALID_INPUT", "mediaIds"),
    ("someone else's media", someone_elses_media, "NOT_FOUND", "mediaIds"),
    ("media that does not exist", missing_media, "NOT_FOUND", "mediaIds"),
    ("media never uploaded", media_not_ready, "MEDIA_NOT_READY", "mediaIds"),
    ("media already in a post", media_in_use, "MEDIA_IN_USE", "mediaIds"),
    ("a malformed media id", malformed_media_id, "INVALID_ID", "mediaIds"),
    ("a post id for a media id", post_id_as_media_id, "INVALID_ID", "mediaIds"),
]


@pytest.mark.parametrize(("make", "code", "field"), [case[1:] for case in POST_CASES], ids=[c[0] for c in POST_CASES])
async def test_create_post_refuses_bad_input(
    api: Api, worker: dramatiq.Worker, make: Case, code: str, field: str
) -> None:
    author, other = await api.sign_up("author"), await api.sign_up("other")
    data = jpeg(320, 240)
    await ready_media(api, author, 1, data)
    desk = Desk(api, author, other, data)
    media_ids, caption, still_usable = await make(desk)
    before = await post_count(api, author, "author")
    assert before is not None

    refused = await try_create_post(api, author, media_ids, caption)
    assert refused["post"] is None and codes(refused) == [(code, field)], refused
    assert await post_count(api, author, "author") == before
    assert await post_count(api, other, "author") == before

    if still_usable:
        later = await create_post(api, author, still_usable, "a valid post")
        assert [media["id"] for media in later["media"]] == still_usable
        assert await post_count(api, author, "author") == before + 1


async def test_processing_failures_end_failed_with_their_reason(api: Api, worker: dramatiq.Worker) -> None:
    author = await api.sign_up("author")
    whole = jpeg(640, 480, (90, 160, 40))
    uploads = {
        "UNSUPPORTED_FORMAT": (b"%PDF-1.4 this is not a picture at all\n" * 20, "image/jpeg"),
        "TOO_LARGE": (png_claiming_size(20000, 20000), "image/png"),
        "CORRUPT": (whole[: len(whole) // 2], "image/jpeg"),
    }
    started = {reason: await upload_image(api, author, data, kind) for reason, (data, kind) in uploads.items()}
    for reason, media in started.items():
        ended = await wait_ready(api, author, media["id"])
        assert (ended["status"], ended["failureCode"], ended["url"]) == ("FAILED", reason, None), (reason, ended)
        refused = await try_create_post(api, author, [media["id"]])
        assert codes(refused) == [("MEDIA_NOT_READY", "mediaIds")], (reason, refused)
    assert await post_count(api, author, "author") == 0


async def test_bytes_that_do_not_match_the_checksum_are_thrown_away(api: Api) -> None:
    author = await api.sign_up("author")
    declared, sent = jpeg(64, 48, (1, 2, 3)), jpeg(64, 48, (250, 2, 3))
    created = await create_upload(api, author, declaration(sent, sha256=hashlib.sha256(declared).hexdigest()))
    assert created["errors"] == [], created
    assert (await put_bytes(created["upload"], sent)).status_code == 200

    first = await complete_upload(api, author, created["media"]["id"])
    assert first["media"] is None and codes(first) == [("CHECKSUM_MISMATCH", "mediaId")], first
    second = await complete_upload(api, author, created["media"]["id"])
    assert second["media"] is None and codes(second) == [("UPLOAD_INCOMPLETE", "mediaId")], second
    status = await wait_ready(api, author, created["media"]["id"], seconds=0)
    assert status["status"] == "AWAITING_UPLOAD"


async def test_a_short_upload_is_refused_by_the_signed_url(api: Api) -> None:
    author = await api.sign_up("author")
    data = jpeg(64, 48, (4, 5, 6))
    created = await create_upload(api, author, declaration(data))
    assert created["errors"] == [], created
    short = await put_bytes(created["upload"], data[:-100])
    assert 400 <= short.status_code < 500, (short.status_code, short.text)

    completed = await complete_upload(api, author, created["media"]["id"])
    assert completed["media"] is None and codes(completed) == [("UPLOAD_INCOMPLETE", "mediaId")], completed


async def test_a_tampered_upload_url_is_refused(api: Api) -> None:
    author = await api.sign_up("author")
    data = jpeg(64, 48, (7, 8, 9))
    created = await create_upload(api, author, declaration(data))
    assert created["errors"] == [], created
    target = created["upload"]
    url: str = target["url"]
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))

    def with_query(**changes: str) -> str:
        return urlunsplit(parts._replace(query=urlencode({**query, **changes})))

    # Waiting out the 15 minutes is not an option; an expiry moved into the past, or out to
    # buy more time, is refused just the same.
    for expires in ("1", str(int(query["expires"]) - 900), str(int(query["expires"]) + 3600)):
        refused = await put_bytes(target, data, with_query(expires=expires))
        assert refused.status_code == 403, (expires, refused.status_code, refused.text)
    refused = await put_bytes(target, data, with_query(length=str(len(data) + 1)))
    assert refused.status_code == 403, refused.text

    nothing = await complete_upload(api, author, created["media"]["id"])
    assert codes(nothing) == [("UPLOAD_INCOMPLETE", "mediaId")], nothing
    assert (await put_bytes(target, data)).status_code == 200
    done = await complete_upload(api, author, created["media"]["id"])
    assert done["errors"] == [] and done["media"]["status"] == "PROCESSING", done


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"byteSize": 30 * MB + 1}, "TOO_LARGE", "byteSize"),
        ({"contentType": "text/plain"}, "UNSUPPORTED_FORMAT", "contentType"),
        ({"sha256": "not-a-checksum"}, "INVALID_INPUT", "sha256"),
        ({"sha256": "ab" * 31}, "INVALID_INPUT", "sha256"),
        ({"byteSize": 0}, "INVALID_INPUT", "byteSize"),
    ],
    ids=["over 30 MB", "text/plain", "malformed sha256", "short sha256", "empty"],
)
async def test_create_upload_refuses_bad_declarations(
    api: Api, overrides: dict[str, Any], code: str, field: str
) -> None:
    author = await api.sign_up("author")
    refused = await create_upload(api, author, declaration(jpeg(32, 32), **overrides))
    assert refused["media"] is None and refused["upload"] is None, refused
    assert codes(refused) == [(code, field)]


async def test_the_30_mb_limit_is_inclusive(api: Api) -> None:
    author = await api.sign_up("author")
    allowed = await create_upload(api, author, declaration(jpeg(32, 32), byteSize=30 * MB))
    assert allowed["errors"] == [] and allowed["upload"] is not None, allowed
