"""The same behaviour from both media stores: local disk behind the app's routes, and S3 (moto over HTTP).

Clients do what real ones do: httpx PUTs to the presigned upload URLs and GETs the download URLs.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from devstack.procs import free_port
from settings import Settings
from storage import LocalObjectStore, ObjectMissing, ObjectStore, StorageError, create_store
from storage.s3 import S3ObjectStore
from tests.s3server import S3TestServer, settings_overrides
from web.media import media_routes

SECRET = "storage-integration-secret-" * 2
KEY = "media/42/c0ffee/original"
MIB = 1024 * 1024
# S3's smallest part (all but the last): three parts means two of these and a short tail.
PART = 5 * MIB


@dataclass
class MediaStores:
    media: ObjectStore


@dataclass
class Backend:
    name: str
    store: ObjectStore
    http: httpx.AsyncClient


def serve_media(store: ObjectStore) -> ASGIApp:
    """The media routes with `store` where the app's lifespan state would put it."""
    app = Starlette(routes=media_routes())

    async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
        scope["state"] = {"stores": MediaStores(store)}
        await app(scope, receive, send)

    return with_state


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3TestServer]:
    server = S3TestServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    store: ObjectStore
    if request.param == "local":
        settings = Settings(
            secret_key=SECRET,
            storage_backend="local",
            media_dir=tmp_path / "media",
            public_base_url="http://media.test",
        )
        store = create_store(settings)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=serve_media(store)))
    else:
        server: S3TestServer = request.getfixturevalue("s3_server")
        settings = Settings(secret_key=SECRET, **settings_overrides(server, bucket=f"test-{uuid.uuid4().hex[:16]}"))
        store = create_store(settings)
        assert isinstance(store, S3ObjectStore)
        await store.ensure_bucket()
        client = httpx.AsyncClient()
    try:
        yield Backend(request.param, store, client)
    finally:
        await client.aclose()
        await store.close()


def md5_etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


async def test_presigned_put_then_stat_sha256_get(backend: Backend, tmp_path: Path) -> None:
    data = os.urandom(3000)
    target = await backend.store.presign_put(KEY, "image/jpeg", len(data), 60)
    assert target.method == "PUT" and target.headers == {"Content-Type": "image/jpeg"}
    answer = await backend.http.put(target.url, content=data, headers=target.headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == md5_etag(data)
    info = await backend.store.stat(KEY)
    assert info is not None and (info.key, info.size) == (KEY, len(data))
    assert await backend.store.sha256(KEY) == hashlib.sha256(data).hexdigest()
    assert await backend.store.get(KEY) == data
    await backend.store.download_to(KEY, tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == data


@pytest.mark.parametrize(
    ("content_type", "delta"),
    [("text/html", 0), ("image/jpeg", 1), ("image/jpeg", -1)],
    ids=["other-type", "longer", "shorter"],
)
async def test_put_unlike_what_was_signed_is_refused(backend: Backend, content_type: str, delta: int) -> None:
    target = await backend.store.presign_put(KEY, "image/jpeg", 100, 60)
    answer = await backend.http.put(target.url, content=b"x" * (100 + delta), headers={"Content-Type": content_type})
    assert 400 <= answer.status_code < 500
    assert await backend.store.stat(KEY) is None


async def test_expired_urls_are_refused(backend: Backend) -> None:
    await backend.store.put(KEY, b"stored", "image/png")
    target = await backend.store.presign_put("media/42/c0ffee/w640.jpg", "image/jpeg", 4, 1)
    download = await backend.store.presign_get(KEY, 1)
    await asyncio.sleep(2.1)
    answer = await backend.http.put(target.url, content=b"late", headers=target.headers)
    assert answer.status_code == 403
    assert await backend.store.stat("media/42/c0ffee/w640.jpg") is None
    assert (await backend.http.get(download)).status_code == 403


async def test_multipart_upload_of_three_parts(backend: Backend) -> None:
    data = os.urandom(2 * PART + 12345)
    started = await backend.store.start_multipart(KEY, "video/mp4", len(data), PART, 60)
    assert started.part_size == PART and len(started.parts) == 3
    etags = []
    for number, target in enumerate(started.parts):
        chunk = data[number * PART : (number + 1) * PART]
        answer = await backend.http.put(target.url, content=chunk, headers=target.headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["etag"] == md5_etag(chunk)
        etags.append(answer.headers["etag"])
    await backend.store.complete_multipart(KEY, started.upload_id, etags)
    assert await backend.store.sha256(KEY) == hashlib.sha256(data).hexdigest()
    info = await backend.store.stat(KEY)
    assert info is not None and info.size == len(data)


async def test_multipart_refuses_missing_or_mismatched_parts(backend: Backend) -> None:
    data = b"a short clip"
    started = await backend.store.start_multipart(KEY, "video/mp4", len(data), PART, 60)
    with pytest.raises(StorageError):
        await backend.store.complete_multipart(KEY, started.upload_id, [md5_etag(data)])
    answer = await backend.http.put(started.parts[0].url, content=data, headers=started.parts[0].headers)
    assert answer.status_code == 200
    with pytest.raises(StorageError):
        await backend.store.complete_multipart(KEY, started.upload_id, [md5_etag(b"other bytes")])
    assert await backend.store.stat(KEY) is None
    # A refused completion leaves the upload open for a corrected one.
    await backend.store.complete_multipart(KEY, started.upload_id, [answer.headers["etag"]])
    assert await backend.store.get(KEY) == data


async def test_aborted_multipart_takes_no_parts(backend: Backend) -> None:
    started = await backend.store.start_multipart(KEY, "video/mp4", 10, PART, 60)
    await backend.store.abort_multipart(KEY, started.upload_id)
    await backend.store.abort_multipart(KEY, started.upload_id)
    answer = await backend.http.put(started.parts[0].url, content=b"0123456789", headers=started.parts[0].headers)
    # S3 answers 404 NoSuchUpload; moto 5.2.5 fails the same request with a 500 (a KeyError).
    assert answer.status_code == 404 or (backend.name == "s3" and answer.status_code == 500)
    with pytest.raises(StorageError):
        await backend.store.complete_multipart(KEY, started.upload_id, [md5_etag(b"0123456789")])


async def test_presigned_get_returns_the_bytes(backend: Backend) -> None:
    data = os.urandom(2048)
    await backend.store.put(KEY, data, "image/png")
    url = await backend.store.presign_get(KEY, 60)
    answer = await backend.http.get(url)
    assert answer.status_code == 200
    assert answer.content == data
    assert answer.headers["content-type"] == "image/png"
    tampered = url.replace(KEY, "media/42/c0ffee/w640.jpg")
    assert (await backend.http.get(tampered)).status_code == 403


async def test_delete_many(backend: Backend) -> None:
    keys = [f"media/42/c0ffee/w{width}.jpg" for width in (150, 320, 640)]
    for key in keys:
        await backend.store.put(key, key.encode(), "image/jpeg")
    await backend.store.delete_many([*keys[:2], "media/42/never/stored"])
    await backend.store.delete_many([])
    assert [await backend.store.stat(key) is None for key in keys] == [True, True, False]


async def test_a_file_is_stored_streamed_with_its_type(backend: Backend, tmp_path: Path) -> None:
    # Past boto3's multipart threshold (8 MiB), so S3 takes it in parts.
    data = os.urandom(9 * 1024 * 1024)
    source = tmp_path / "clip.mp4"
    source.write_bytes(data)
    await backend.store.put(KEY, b"older bytes", "image/jpeg")
    await backend.store.put_file(KEY, source, "video/mp4")
    assert await backend.store.sha256(KEY) == hashlib.sha256(data).hexdigest()
    answer = await backend.http.get(await backend.store.presign_get(KEY, 60))
    assert answer.status_code == 200 and answer.headers["content-type"] == "video/mp4"
    with pytest.raises(StorageError):
        await backend.store.put_file(KEY, tmp_path / "absent.mp4", "video/mp4")


async def test_keys_under_a_folder(backend: Backend) -> None:
    inside = ["media/42/c0ffee/original", "media/42/c0ffee/w150.jpg", "media/42/c0ffee/video.mp4"]
    for key in [*inside, "media/42/c0ffee2/original", "media/43/c0ffee/original"]:
        await backend.store.put(key, b"x", "image/jpeg")
    assert await backend.store.keys_under("media/42/c0ffee/") == sorted(inside)
    assert await backend.store.keys_under("media/41/") == []
    for bad in ("media/42/c0ffee", "../", "/"):
        with pytest.raises(ValueError, match="not a key folder"):
            await backend.store.keys_under(bad)


async def test_missing_objects(backend: Backend, tmp_path: Path) -> None:
    assert await backend.store.stat(KEY) is None
    with pytest.raises(ObjectMissing):
        await backend.store.get(KEY)
    with pytest.raises(ObjectMissing):
        await backend.store.sha256(KEY)
    with pytest.raises(ObjectMissing):
        await backend.store.download_to(KEY, tmp_path / "nothing")


async def test_local_serving_details(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, "http://media.test", SECRET)
    data = bytes(range(256)) * 4
    await store.put(KEY, data, "video/mp4")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=serve_media(store))) as client:
        url = await store.presign_get(KEY, 60)
        answer = await client.get(url, headers={"Range": "bytes=10-19"})
        assert (answer.status_code, answer.content) == (206, data[10:20])
        assert answer.headers["cache-control"].startswith("private, max-age=")
        assert answer.headers["x-content-type-options"] == "nosniff"
        await store.delete_many([KEY])
        assert (await client.get(url)).status_code == 404
        malformed = await client.get(f"http://media.test/media/{KEY}?expires=x&sig=y")
        assert (malformed.status_code, malformed.json()) == (403, {"error": "malformed signed URL"})
        target = await store.presign_put(KEY, "video/mp4", 10, 60)

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(5):
                yield b"0123"

        answer = await client.put(target.url, content=chunks(), headers=target.headers)
        assert answer.status_code == 413
        assert await store.stat(KEY) is None
    app_without_media = Starlette(routes=media_routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app_without_media)) as client:
        assert (await client.get(url)).status_code == 404


async def test_s3_signs_type_and_length_and_reports_an_unreachable_store() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    settings = Settings(
        secret_key=SECRET, storage_backend="s3", s3_endpoint_url=closed, s3_access_key_id="k", s3_secret_access_key="s"
    )
    store = create_store(settings)
    try:
        target = await store.presign_put(KEY, "image/jpeg", 10, 60)
        assert target.url.startswith(f"{closed}/shutter-media/{KEY}?")
        assert "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost" in target.url
        with pytest.raises(StorageError, match="unreachable"):
            await store.stat(KEY)
    finally:
        await store.close()
