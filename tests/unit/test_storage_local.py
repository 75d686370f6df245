"""The local media store: key rules, signed URLs, file operations and multipart, on a temp directory."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from settings import Settings
from storage import LocalObjectStore, ObjectMissing, StorageError, create_store, is_valid_key
from storage.local import UploadSizeMismatch
from storage.signing import UploadGrant, UrlRejected

SECRET = "local-media-test-secret-" * 2
KEY = "media/123/ab12cd/original"
Query = list[tuple[str, str]]


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    settings = Settings(secret_key=SECRET, media_dir=tmp_path / "media", storage_backend="local")
    made = create_store(settings)
    assert isinstance(made, LocalObjectStore)
    return made


def split(url: str) -> tuple[str, Query]:
    """The key and query of a signed local URL."""
    parts = urlsplit(url)
    key = parts.path.split("/", 2)[2]
    return key, parse_qsl(parts.query, keep_blank_values=True)


async def body_of(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def upload(store: LocalObjectStore, url: str, data: bytes) -> str:
    key, query = split(url)
    return await store.receive(store.signer.verify_upload(key, query), body_of(data))


@pytest.mark.parametrize("key", ["media/123/ab12cd/original", "media/1/ab/w640.jpg", "a", "v_1-2.x/y", "k" * 512])
def test_valid_keys(key: str) -> None:
    assert is_valid_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "media/../x",
        "../x",
        "media/..",
        "a..b",
        "/media/x",
        "media\\x",
        "media/ünïcode",
        "media/x\n",
        "media/x y",
        "Media/x",
        "media//x",
        "media/x/",
        "media/./x",
        ".types/x",
        "media/-x",
        "k" * 513,
    ],
)
async def test_invalid_keys_are_refused_everywhere(store: LocalObjectStore, key: str) -> None:
    assert not is_valid_key(key)
    with pytest.raises(ValueError, match="invalid object key"):
        await store.put(key, b"x", "image/jpeg")
    with pytest.raises(ValueError, match="invalid object key"):
        await store.get(key)
    with pytest.raises(ValueError, match="invalid object key"):
        await store.presign_put(key, "image/jpeg", 1, 60)


async def test_a_symlink_out_of_the_root_is_not_followed(store: LocalObjectStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "media" / "media").symlink_to(outside)
    with pytest.raises(StorageError, match="leaves the media root"):
        await store.put("media/1/x", b"data", "image/jpeg")
    with pytest.raises(StorageError):
        await store.get("media/1/x")
    assert list(outside.iterdir()) == []


async def test_signed_urls_round_trip(store: LocalObjectStore) -> None:
    target = await store.presign_put(KEY, "image/jpeg", 1234, 60)
    assert target.url.startswith("http://127.0.0.1:8000/media-upload/" + KEY + "?")
    assert (target.method, target.headers) == ("PUT", {"Content-Type": "image/jpeg"})
    key, query = split(target.url)
    grant = store.signer.verify_upload(key, query)
    assert grant == UploadGrant(KEY, "image/jpeg", 1234, int(target.expires_at.timestamp()))
    key, query = split(await store.presign_get(KEY, 60))
    assert store.signer.verify_download(key, query) == int(dict(query)["expires"])


def _replace(name: str, value: str) -> Callable[[Query], Query]:
    return lambda query: [(k, value if k == name else v) for k, v in query]


TAMPERINGS: dict[str, Callable[[Query], Query]] = {
    "expires": _replace("expires", "99999999999"),
    "type": _replace("type", "text/html"),
    "length": _replace("length", "99999"),
    "sig": _replace("sig", "0" * 64),
    "sig-case": lambda query: [(k, v.upper() if k == "sig" else v) for k, v in query],
    "extra": lambda query: [*query, ("part", "1")],
    "missing": lambda query: [(k, v) for k, v in query if k != "type"],
    "repeated": lambda query: [*query, query[0]],
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
async def test_tampered_upload_urls_are_rejected(store: LocalObjectStore, tamper: Callable[[Query], Query]) -> None:
    key, query = split((await store.presign_put(KEY, "image/jpeg", 1234, 60)).url)
    store.signer.verify_upload(key, query)
    with pytest.raises(UrlRejected):
        store.signer.verify_upload(key, tamper(query))


async def test_urls_do_not_move_between_keys_methods_or_secrets(store: LocalObjectStore, tmp_path: Path) -> None:
    key, query = split((await store.presign_put(KEY, "image/jpeg", 10, 60)).url)
    with pytest.raises(UrlRejected, match="bad signature"):
        store.signer.verify_upload("media/123/ab12cd/w640.jpg", query)
    get_key, get_query = split(await store.presign_get(KEY, 60))
    with pytest.raises(UrlRejected):
        store.signer.verify_upload(get_key, get_query)
    other = LocalObjectStore(tmp_path / "other", "http://127.0.0.1:8000", "another-secret")
    with pytest.raises(UrlRejected, match="bad signature"):
        other.signer.verify_upload(key, query)
    with pytest.raises(UrlRejected, match="malformed"):
        store.signer.verify_download("media/../x", [("expires", "1"), ("sig", "0" * 64)])


async def test_expired_urls_are_rejected(store: LocalObjectStore) -> None:
    key, query = split((await store.presign_put(KEY, "image/jpeg", 10, 60)).url)
    expires = int(dict(query)["expires"])
    assert store.signer.verify_upload(key, query, now=expires).length == 10
    with pytest.raises(UrlRejected, match="expired"):
        store.signer.verify_upload(key, query, now=expires + 1)
    key, query = split(await store.presign_get(KEY, 60))
    with pytest.raises(UrlRejected, match="expired"):
        store.signer.verify_download(key, query, now=expires + 1)


async def test_put_get_stat_sha256_delete(store: LocalObjectStore, tmp_path: Path) -> None:
    data = b"\xff\xd8 not really a jpeg " * 1000
    await store.put(KEY, data, "image/jpeg")
    await store.put("media/123/ab12cd/w640.jpg", b"small", "image/jpeg")
    assert await store.get(KEY) == data
    info = await store.stat(KEY)
    assert info is not None and info.size == len(data)
    assert await store.sha256(KEY) == hashlib.sha256(data).hexdigest()
    await store.download_to(KEY, tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == data
    assert (await store.open_object(KEY)).content_type == "image/jpeg"
    assert list((tmp_path / "media" / ".tmp").iterdir()) == []

    await store.delete_many([KEY, "media/never/stored"])
    assert await store.stat(KEY) is None
    assert await store.stat("media/123/ab12cd/w640.jpg") is not None
    assert await store.stat("media/123") is None  # a directory is not an object
    with pytest.raises(ObjectMissing):
        await store.get(KEY)
    with pytest.raises(ObjectMissing):
        await store.sha256("media/123")


async def test_received_upload_must_have_the_signed_length(store: LocalObjectStore) -> None:
    target = await store.presign_put(KEY, "video/mp4", 10, 60)
    key, query = split(target.url)
    grant = store.signer.verify_upload(key, query)
    with pytest.raises(UploadSizeMismatch) as longer:
        await store.receive(grant, body_of(b"12345", b"67890", b"1"))
    assert longer.value.too_large
    with pytest.raises(UploadSizeMismatch) as shorter:
        await store.receive(grant, body_of(b"12345"))
    assert not shorter.value.too_large
    assert await store.stat(KEY) is None
    assert await store.receive(grant, body_of(b"12345", b"67890")) == f'"{hashlib.md5(b"1234567890").hexdigest()}"'
    assert (await store.open_object(KEY)).content_type == "video/mp4"


async def test_multipart_upload_completes_in_part_order(store: LocalObjectStore, tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    started = await store.start_multipart(KEY, "video/mp4", len(data), 4096, 60)
    assert (started.part_size, len(started.parts)) == (4096, 3)
    etags = [await upload(store, part.url, data[n * 4096 : (n + 1) * 4096]) for n, part in enumerate(started.parts)]
    assert etags[0] == f'"{hashlib.md5(data[:4096]).hexdigest()}"'
    await store.complete_multipart(KEY, started.upload_id, etags)
    assert await store.get(KEY) == data
    assert (await store.open_object(KEY)).content_type == "video/mp4"
    assert list((tmp_path / "media" / ".uploads").iterdir()) == []


async def test_multipart_refuses_mismatched_or_missing_parts(store: LocalObjectStore) -> None:
    data = b"abcdefghij"
    started = await store.start_multipart(KEY, "video/mp4", len(data), 4, 60)
    with pytest.raises(StorageError, match="part 1 was never uploaded"):
        await store.complete_multipart(KEY, started.upload_id, ['"x"', '"y"', '"z"'])
    etags = [await upload(store, part.url, data[n * 4 : (n + 1) * 4]) for n, part in enumerate(started.parts)]
    with pytest.raises(StorageError, match="part 2 does not match"):
        await store.complete_multipart(KEY, started.upload_id, [etags[0], etags[2], etags[1]])
    with pytest.raises(StorageError, match="3 parts, 2 ETags"):
        await store.complete_multipart(KEY, started.upload_id, etags[:2])
    with pytest.raises(StorageError, match="no such multipart upload"):
        await store.complete_multipart("media/other", started.upload_id, etags)
    assert await store.stat(KEY) is None
    await store.complete_multipart(KEY, started.upload_id, [etag.strip('"') for etag in etags])
    assert await store.get(KEY) == data


async def test_aborted_upload_takes_no_more_parts(store: LocalObjectStore) -> None:
    started = await store.start_multipart(KEY, "video/mp4", 8, 4, 60)
    await store.abort_multipart(KEY, started.upload_id)
    await store.abort_multipart(KEY, started.upload_id)
    await store.abort_multipart(KEY, "../../etc")
    with pytest.raises(ObjectMissing):
        await upload(store, started.parts[0].url, b"abcd")
    with pytest.raises(StorageError):
        await store.complete_multipart(KEY, started.upload_id, ['"x"', '"y"'])


def test_backend_choice(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown storage_backend"):
        create_store(Settings(secret_key=SECRET, media_dir=tmp_path, storage_backend="ftp"))
    with pytest.raises(ValueError, match="secret_key"):
        create_store(Settings(secret_key=None, media_dir=tmp_path, storage_backend="local"))


def test_query_encoding_keeps_types_with_parameters(tmp_path: Path) -> None:
    signer = LocalObjectStore(tmp_path, "http://x/", SECRET).signer
    url = signer.upload_url(KEY, "text/plain; charset=utf-8", 3, 2**40)
    assert url.startswith(f"http://x/media-upload/{KEY}?")
    key, query = split(url)
    assert signer.verify_upload(key, query).content_type == "text/plain; charset=utf-8"
    assert urlencode(query) == urlsplit(url).query
