"""The upload flow over real stores: declare, store the bytes, complete, process."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update
from strawberry import relay

from db.content import Media, MediaKind, MediaStatus
from services import accounts, media_processing, uploads
from services.errors import DomainError, ErrorCode, ValidationErrors
from services.stores import Stores
from tests import media_samples
from tests.integration.test_insights import execute


def _jpeg(width: int = 1200, height: int = 800) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


async def _owner(stores: Stores, name: str = "owner") -> int:
    session = await accounts.sign_up(
        stores, username=name, email=f"{name}@example.com", password="long-enough-pw", full_name=""
    )
    return session.user.id


def _declare(data: bytes, **changes: object) -> uploads.NewUpload:
    fields: dict[str, object] = {
        "kind": MediaKind.IMAGE,
        "content_type": "image/jpeg",
        "byte_size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "filename": "photo.jpg",
    }
    return uploads.NewUpload(**{**fields, **changes})  # type: ignore[arg-type]


async def _upload(stores: Stores, owner: int, data: bytes, stored: bytes | None = None) -> Media:
    plan = await uploads.create_upload(stores, owner, _declare(data))
    assert plan.single is not None and plan.media.status is MediaStatus.AWAITING_UPLOAD
    await stores.media.put(plan.media.storage_key, data if stored is None else stored, "image/jpeg")
    return plan.media


async def test_an_image_goes_from_upload_to_ready_with_variants(stores: Stores) -> None:
    owner = await _owner(stores)
    data = _jpeg()
    media = await _upload(stores, owner, data)
    completed = await uploads.complete_upload(stores, owner, media.id, [])
    assert completed.status is MediaStatus.PROCESSING
    assert await media_processing.process_media(stores, media.id) is MediaStatus.READY
    assert await media_processing.process_media(stores, media.id) is None  # a repeat does nothing
    async with stores.sessions() as session:
        ready = await session.get(Media, media.id)
    assert ready is not None and (ready.width, ready.height) == (1200, 800)
    assert ready.blurhash and [v["width"] for v in ready.variants] == [150, 320, 640, 1080]
    for variant in ready.variants:
        stored = await stores.media.get(variant["key"])
        assert Image.open(io.BytesIO(stored)).width == variant["width"]


async def test_the_same_bytes_are_stored_once_and_ready_at_once(stores: Stores) -> None:
    owner = await _owner(stores)
    data = _jpeg(300, 200)
    first = await _upload(stores, owner, data)
    await uploads.complete_upload(stores, owner, first.id, [])
    await media_processing.process_media(stores, first.id)
    again = await uploads.create_upload(stores, owner, _declare(data, filename="again.jpg"))
    assert again.single is None and again.multipart is None
    assert again.media.status is MediaStatus.READY and again.media.storage_key == first.storage_key


async def test_a_wrong_checksum_is_refused_and_nothing_is_kept(stores: Stores) -> None:
    owner = await _owner(stores)
    data = _jpeg(64, 64)
    other = _jpeg(65, 64)[: len(data)].ljust(len(data), b"\0")
    media = await _upload(stores, owner, data, stored=other)
    with pytest.raises(DomainError) as refused:
        await uploads.complete_upload(stores, owner, media.id, [])
    assert (refused.value.code, refused.value.field) == (ErrorCode.CHECKSUM_MISMATCH, "mediaId")
    assert await stores.media.stat(media.storage_key) is None
    async with stores.sessions() as session:
        assert (await session.get(Media, media.id)).status is MediaStatus.AWAITING_UPLOAD  # type: ignore[union-attr]


async def test_bytes_put_again_after_completion_are_not_processed(stores: Stores) -> None:
    owner = await _owner(stores)
    data = _jpeg(64, 64)
    media = await _upload(stores, owner, data)
    await uploads.complete_upload(stores, owner, media.id, [])
    # The signed URL is still good: the same owner puts other bytes of the same length.
    await stores.media.put(media.storage_key, _jpeg(65, 64)[: len(data)].ljust(len(data), b"\0"), "image/jpeg")
    assert await media_processing.process_media(stores, media.id) is MediaStatus.FAILED
    async with stores.sessions() as session:
        failed = await session.get(Media, media.id)
    assert failed is not None and (failed.failure_code, failed.variants) == ("CHECKSUM_MISMATCH", [])
    # Nothing else uploading the verified bytes gets the others in their place.
    assert (await uploads.create_upload(stores, owner, _declare(data))).media.status is MediaStatus.AWAITING_UPLOAD


async def test_a_truncated_upload_is_incomplete(stores: Stores) -> None:
    owner = await _owner(stores)
    data = _jpeg(64, 64)
    media = await _upload(stores, owner, data, stored=data[: len(data) // 2])
    with pytest.raises(DomainError) as refused:
        await uploads.complete_upload(stores, owner, media.id, [])
    assert refused.value.code is ErrorCode.UPLOAD_INCOMPLETE
    assert await stores.media.stat(media.storage_key) is None


async def test_completing_after_the_upload_url_expired_without_bytes(stores: Stores) -> None:
    owner = await _owner(stores)
    plan = await uploads.create_upload(stores, owner, _declare(_jpeg(64, 64)))
    async with stores.sessions.begin() as session:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        await session.execute(update(Media).where(Media.id == plan.media.id).values(upload_expires_at=past))
    with pytest.raises(DomainError) as refused:
        await uploads.complete_upload(stores, owner, plan.media.id, [])
    assert refused.value.code is ErrorCode.UPLOAD_EXPIRED


async def test_non_image_bytes_labelled_jpeg_fail_with_a_code(stores: Stores) -> None:
    owner = await _owner(stores)
    data = b"%PDF-1.4 not a photo at all" * 20
    media = await _upload(stores, owner, data)
    await uploads.complete_upload(stores, owner, media.id, [])
    assert await media_processing.process_media(stores, media.id) is MediaStatus.FAILED
    async with stores.sessions() as session:
        failed = await session.get(Media, media.id)
    assert failed is not None and failed.failure_code == "UNSUPPORTED_FORMAT"


async def test_someone_elses_upload_looks_missing(stores: Stores) -> None:
    owner = await _owner(stores)
    stranger = await _owner(stores, "stranger")
    media = await _upload(stores, owner, _jpeg(64, 64))
    with pytest.raises(DomainError) as refused:
        await uploads.complete_upload(stores, stranger, media.id, [])
    assert refused.value.code is ErrorCode.NOT_FOUND


async def test_declarations_are_checked(stores: Stores) -> None:
    owner = await _owner(stores)
    huge = _declare(b"x", byte_size=stores.settings.image_max_bytes + 1, sha256="zz", content_type="text/plain")
    with pytest.raises(ValidationErrors) as refused:
        await uploads.create_upload(stores, owner, huge)
    assert {(e.code, e.field) for e in refused.value.errors} == {
        (ErrorCode.TOO_LARGE, "byteSize"),
        (ErrorCode.INVALID_INPUT, "sha256"),
        (ErrorCode.UNSUPPORTED_FORMAT, "contentType"),
    }


async def test_large_videos_get_a_multipart_plan(stores: Stores) -> None:
    owner = await _owner(stores)
    size = stores.settings.multipart_threshold_bytes + 1
    plan = await uploads.create_upload(
        stores, owner, _declare(b"", kind=MediaKind.VIDEO, content_type="video/mp4", byte_size=size, sha256="a" * 64)
    )
    assert plan.multipart is not None and plan.single is None
    part_size = stores.settings.multipart_part_size_bytes
    assert len(plan.multipart.parts) == -(-size // part_size)


async def test_viewers_get_the_video_without_its_metadata(stores: Stores, tmp_path: Path) -> None:
    from services import media_cleanup, posts

    owner = await _owner(stores)
    camera = {"location": "+48.8577+002.2950/", "comment": "Pixel 9"}
    clip = media_samples.write_video(tmp_path / "clip.mp4", metadata=camera)
    data = clip.read_bytes()
    declared = _declare(data, kind=MediaKind.VIDEO, content_type="video/mp4", filename="clip.mp4")
    plan = await uploads.create_upload(stores, owner, declared)
    await stores.media.put(plan.media.storage_key, data, "video/mp4")
    await uploads.complete_upload(stores, owner, plan.media.id, [])
    assert await media_processing.process_media(stores, plan.media.id) is MediaStatus.READY
    async with stores.sessions() as session:
        ready = await session.get(Media, plan.media.id)
    assert ready is not None
    [video] = [v for v in ready.variants if v["contentType"] == "video/mp4"]
    assert (video["width"], video["height"]) == (64, 48)
    await stores.media.download_to(video["key"], tmp_path / "served.mp4")
    assert media_samples.metadata_values(tmp_path / "served.mp4").isdisjoint(camera.values())
    assert set(camera.values()) <= media_samples.metadata_values(clip)

    post = await posts.create_post(stores, owner, posts.NewPost(media_ids=[ready.id]))
    query = "query($id: ID!) { post(id: $id) { media { videoUrl url } } }"
    result = await execute(stores, None, query, id=str(relay.GlobalID("Post", str(post.id))))
    assert result.errors is None, result.errors
    [media] = result.data["post"]["media"]
    assert video["key"] in media["videoUrl"] and ready.storage_key not in media["videoUrl"]
    assert "/poster-w" in media["url"]
    # The copy goes with the media when its post is purged.
    await posts.delete_post(stores, owner, post.id)
    await media_cleanup.purge_deleted_post(stores, post.id)
    assert [await stores.media.stat(str(v["key"])) for v in ready.variants] == [None] * len(ready.variants)


async def test_abandoned_uploads_are_swept_with_their_bytes(stores: Stores) -> None:
    from services import media_cleanup

    owner = await _owner(stores)
    never_completed = await _upload(stores, owner, _jpeg(40, 40))
    failed = await _upload(stores, owner, b"not an image at all")
    await uploads.complete_upload(stores, owner, failed.id, [])
    assert await media_processing.process_media(stores, failed.id) is MediaStatus.FAILED
    # What a processing run that failed midway may leave in the upload's folder.
    stray = failed.storage_key.replace("/original", "/poster-w150.jpg")
    await stores.media.put(stray, b"half done", "image/jpeg")
    size = stores.settings.multipart_threshold_bytes + 1
    declared = _declare(b"", kind=MediaKind.VIDEO, content_type="video/mp4", byte_size=size, sha256="b" * 64)
    in_parts = (await uploads.create_upload(stores, owner, declared)).media
    ready = await _upload(stores, owner, _jpeg(50, 50))
    await uploads.complete_upload(stores, owner, ready.id, [])
    await media_processing.process_media(stores, ready.id)
    fresh = await _upload(stores, owner, _jpeg(60, 60))
    # The same bytes declared again: the older row is abandoned, the newer one still waits.
    shared_data = _jpeg(70, 70)
    old_twin = await _upload(stores, owner, shared_data)
    new_twin = (await uploads.create_upload(stores, owner, _declare(shared_data))).media
    assert new_twin.storage_key == old_twin.storage_key

    old = dt.datetime.now(dt.UTC) - dt.timedelta(
        seconds=stores.settings.upload_url_ttl_seconds + stores.settings.upload_abandoned_after_seconds + 60
    )
    aged = [never_completed.id, failed.id, in_parts.id, ready.id, old_twin.id]
    async with stores.sessions.begin() as session:
        await session.execute(update(Media).where(Media.id.in_(aged)).values(created_at=old))
    assert await media_cleanup.sweep_abandoned(stores) == 4
    assert await media_cleanup.sweep_abandoned(stores) == 0  # a repeat finds nothing

    async with stores.sessions() as session:
        left = {row.id for row in (await session.scalars(select(Media))).all()}
    assert left == {ready.id, fresh.id, new_twin.id}
    assert await stores.media.stat(never_completed.storage_key) is None
    assert await stores.media.stat(failed.storage_key) is None
    assert await stores.media.keys_under(failed.storage_key.removesuffix("original")) == []
    assert await stores.media.stat(ready.storage_key) is not None
    assert await stores.media.stat(fresh.storage_key) is not None
    assert await stores.media.stat(new_twin.storage_key) is not None  # still the newer row's
    with pytest.raises(DomainError) as gone:
        await uploads.complete_upload(stores, owner, never_completed.id, [])
    assert gone.value.code is ErrorCode.NOT_FOUND


async def test_a_video_without_its_playable_copy_is_processed_again_not_copied(stores: Stores) -> None:
    owner = await _owner(stores)
    data = b"video bytes processed before videos got their copy"
    declared = _declare(data, kind=MediaKind.VIDEO, content_type="video/mp4", filename="old.mp4")
    async with stores.sessions.begin() as session:
        session.add(
            Media(
                owner_id=owner,
                kind=MediaKind.VIDEO,
                status=MediaStatus.READY,
                content_type="video/mp4",
                byte_size=len(data),
                sha256=declared.sha256,
                storage_key=uploads.original_key(owner, declared.sha256),
                variants=[{"width": 64, "height": 48, "key": "media/x/poster-w64.jpg", "contentType": "image/jpeg"}],
            )
        )
    again = await uploads.create_upload(stores, owner, declared)
    assert again.media.status is MediaStatus.AWAITING_UPLOAD and again.single is not None


async def test_deleting_a_post_removes_its_bytes_but_keeps_shared_ones(stores: Stores) -> None:
    from services import media_cleanup, posts

    owner = await _owner(stores)
    data = _jpeg(200, 100)
    first = await _upload(stores, owner, data)
    await uploads.complete_upload(stores, owner, first.id, [])
    await media_processing.process_media(stores, first.id)
    twin = (await uploads.create_upload(stores, owner, _declare(data))).media
    kept = await posts.create_post(stores, owner, posts.NewPost(media_ids=[twin.id]))
    gone = await posts.create_post(stores, owner, posts.NewPost(media_ids=[first.id]))
    await posts.delete_post(stores, owner, gone.id)
    assert await media_cleanup.purge_deleted_post(stores, gone.id) == 1
    assert await media_cleanup.purge_deleted_post(stores, gone.id) == 0  # a repeat does nothing
    # The twin still shows the same bytes.
    assert await stores.media.stat(twin.storage_key) is not None
    await posts.delete_post(stores, owner, kept.id)
    assert await media_cleanup.purge_deleted_post(stores, kept.id) == 1
    assert await stores.media.stat(twin.storage_key) is None
