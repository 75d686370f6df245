"""The upload flow: presigned direct-to-storage uploads, verified on completion.

Bytes are stored once per owner and content (the key carries the sha256): once a photo is
READY, uploading the same bytes again costs nothing and is READY at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from db import media as media_queries
from db.content import ALT_TEXT_MAX_LENGTH, Media, MediaKind, MediaStatus
from jobs import names
from services import outbox, validation
from services.errors import DomainError, ErrorCode, ValidationErrors
from services.stores import Stores
from storage import MultipartUpload, ObjectMissing, StorageError, UploadTarget

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")
FILENAME_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True)
class NewUpload:
    kind: MediaKind
    content_type: str
    byte_size: int
    sha256: str
    filename: str = ""
    alt_text: str = ""


@dataclass(frozen=True, slots=True)
class UploadPlan:
    """Where the client sends the bytes: one PUT, or one PUT per part; None when not needed."""

    media: Media
    single: UploadTarget | None = None
    multipart: MultipartUpload | None = None


ORIGINAL = "original"
# The folder original_key puts an upload in: one per owner and content, so nothing else is there.
_UPLOAD_FOLDER = re.compile(r"media/[0-9]+/[0-9a-f]{64}")


def original_key(owner_id: int, sha256: str) -> str:
    return f"media/{owner_id}/{sha256}/{ORIGINAL}"


def is_upload_folder(folder: str) -> bool:
    return _UPLOAD_FOLDER.fullmatch(folder) is not None


def _check(stores: Stores, request: NewUpload) -> str:
    settings = stores.settings
    sha256 = request.sha256.strip().lower()
    limit = settings.image_max_bytes if request.kind is MediaKind.IMAGE else settings.video_max_bytes
    family = "image/" if request.kind is MediaKind.IMAGE else "video/"
    problems = []
    if not SHA256_HEX.fullmatch(sha256):
        problems.append(DomainError(ErrorCode.INVALID_INPUT, "sha256 is 64 hexadecimal characters.", "sha256"))
    if request.byte_size < 1:
        problems.append(DomainError(ErrorCode.INVALID_INPUT, "The file is empty.", "byteSize"))
    elif request.byte_size > limit:
        problems.append(DomainError(ErrorCode.TOO_LARGE, f"At most {limit} bytes.", "byteSize"))
    content_type = request.content_type.lower()
    if not CONTENT_TYPE.fullmatch(content_type) or not content_type.startswith(family):
        problems.append(
            DomainError(ErrorCode.UNSUPPORTED_FORMAT, f"{request.kind.value} uploads are {family}*.", "contentType")
        )
    problems += [
        problem
        for problem in (
            validation.check_text(request.filename, FILENAME_MAX_LENGTH, "filename"),
            validation.check_text(request.alt_text, ALT_TEXT_MAX_LENGTH, "altText"),
        )
        if problem is not None
    ]
    if problems:
        raise ValidationErrors(problems)
    return sha256


async def create_upload(stores: Stores, owner_id: int, request: NewUpload) -> UploadPlan:
    settings = stores.settings
    sha256 = _check(stores, request)
    key = original_key(owner_id, sha256)
    expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.upload_url_ttl_seconds)
    if (ready := await _ready_copy(stores, owner_id, sha256, request)) is not None:
        return UploadPlan(ready)
    single: UploadTarget | None = None
    multipart: MultipartUpload | None = None
    content_type = request.content_type.lower()
    if request.byte_size > settings.multipart_threshold_bytes:
        multipart = await stores.media.start_multipart(
            key, content_type, request.byte_size, settings.multipart_part_size_bytes, settings.upload_url_ttl_seconds
        )
    else:
        single = await stores.media.presign_put(key, content_type, request.byte_size, settings.upload_url_ttl_seconds)
    async with stores.sessions.begin() as session:
        media = Media(
            owner_id=owner_id,
            kind=request.kind,
            status=MediaStatus.AWAITING_UPLOAD,
            content_type=content_type,
            byte_size=request.byte_size,
            sha256=sha256,
            filename=request.filename,
            alt_text=request.alt_text,
            storage_key=key,
            upload_id=multipart.upload_id if multipart else None,
            upload_expires_at=expires_at,
        )
        session.add(media)
        await session.flush()
        await session.refresh(media)
    return UploadPlan(media, single=single, multipart=multipart)


async def _ready_copy(stores: Stores, owner_id: int, sha256: str, request: NewUpload) -> Media | None:
    """A new READY media sharing an earlier upload's bytes and variants, if there is one."""
    async with stores.sessions.begin() as session:
        twin = await media_queries.processed_twin(session, owner_id, sha256)
        if twin is None or twin.kind is not request.kind or not _complete(twin):
            return None
        media = _copy_of(twin, request)
        session.add(media)
        await session.flush()
        await session.refresh(media)
    return media


def _complete(media: Media) -> bool:
    """A video processed before videos got their metadata-free copy has none to share: it is
    processed again rather than copied."""
    return media.kind is not MediaKind.VIDEO or any(
        not str(v.get("contentType", "")).startswith("image/") for v in media.variants
    )


def _copy_of(twin: Media, request: NewUpload) -> Media:
    return Media(
        owner_id=twin.owner_id,
        kind=twin.kind,
        status=MediaStatus.READY,
        content_type=twin.content_type,
        byte_size=twin.byte_size,
        sha256=twin.sha256,
        filename=request.filename,
        alt_text=request.alt_text,
        storage_key=twin.storage_key,
        width=twin.width,
        height=twin.height,
        duration_seconds=twin.duration_seconds,
        blurhash=twin.blurhash,
        variants=twin.variants,
    )


async def complete_upload(stores: Stores, owner_id: int, media_id: int, etags: list[str]) -> Media:
    """Check the stored bytes against what was declared, then queue processing.

    The check reads every byte (up to a gigabyte for a video), so no database connection or
    row lock is held meanwhile; the row is locked only to move it on, if nobody did first.
    """
    media = await _own_upload(stores, owner_id, media_id)
    if media.status is not MediaStatus.AWAITING_UPLOAD:
        return media  # completing twice is harmless
    try:
        await _verify_stored(stores, media, etags)
    except DomainError:
        # A completion running at the same time may have joined the parts first.
        current = await _own_upload(stores, owner_id, media_id)
        if current.status is not MediaStatus.AWAITING_UPLOAD:
            return current
        raise
    async with stores.sessions.begin() as session:
        locked = await media_queries.media_for_update(session, media_id)
        if locked is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such upload.", "mediaId")
        if locked.status is not MediaStatus.AWAITING_UPLOAD:
            return locked
        locked.status = MediaStatus.PROCESSING
        locked.upload_id = None
        event = outbox.record(session, names.MEDIA, names.PROCESS_MEDIA, locked.id)
    await outbox.dispatch(stores, [event])
    return locked


async def _own_upload(stores: Stores, owner_id: int, media_id: int) -> Media:
    async with stores.sessions() as session:
        media = (await media_queries.media_by_ids(session, [media_id])).get(media_id)
    if media is None or media.owner_id != owner_id:
        raise DomainError(ErrorCode.NOT_FOUND, "No such upload.", "mediaId")
    return media


async def _verify_stored(stores: Stores, media: Media, etags: list[str]) -> None:
    expired = media.upload_expires_at is not None and media.upload_expires_at < dt.datetime.now(dt.UTC)
    try:
        if media.upload_id is not None:
            if not etags:
                raise DomainError(ErrorCode.UPLOAD_INCOMPLETE, "List every uploaded part.", "parts")
            try:
                await stores.media.complete_multipart(media.storage_key, media.upload_id, etags)
            except StorageError:
                # Joined already (by a completion at the same time, or one that stopped before
                # it could record it): the joined object is checked like any other, and the
                # upload, if the store still holds it, let go.
                if await stores.media.stat(media.storage_key) is None:
                    raise
                await stores.media.abort_multipart(media.storage_key, media.upload_id)
        info = await stores.media.stat(media.storage_key)
        digest = await stores.media.sha256(media.storage_key) if info and info.size == media.byte_size else None
    except ObjectMissing as error:
        code = ErrorCode.UPLOAD_EXPIRED if expired else ErrorCode.UPLOAD_INCOMPLETE
        raise DomainError(code, "The upload did not complete; upload the bytes again.", "mediaId") from error
    except StorageError as error:
        if media.upload_id is None:
            raise  # the store is unreachable: SERVICE_UNAVAILABLE, try again
        code = ErrorCode.UPLOAD_EXPIRED if expired else ErrorCode.UPLOAD_INCOMPLETE
        raise DomainError(code, "The upload did not complete; upload the bytes again.", "mediaId") from error
    if info is None:
        code = ErrorCode.UPLOAD_EXPIRED if expired else ErrorCode.UPLOAD_INCOMPLETE
        raise DomainError(code, "Nothing was uploaded for this media.", "mediaId")
    if info.size != media.byte_size:
        await stores.media.delete_many([media.storage_key])
        raise DomainError(ErrorCode.UPLOAD_INCOMPLETE, "The upload is not the declared size.", "mediaId")
    if digest != media.sha256:
        await stores.media.delete_many([media.storage_key])
        raise DomainError(ErrorCode.CHECKSUM_MISMATCH, "The bytes do not match the declared sha256.", "mediaId")


async def upload_image(
    stores: Stores, owner_id: int, data: bytes, *, content_type: str, filename: str, alt_text: str
) -> Media:
    """A small image sent in one request (GraphQL multipart): stored, then processed like the rest."""
    settings = stores.settings
    limit = min(settings.multipart_upload_max_bytes, settings.image_max_bytes)
    if len(data) > limit:
        raise DomainError(ErrorCode.TOO_LARGE, f"Send images over {limit} bytes with createUpload.", "file")
    declared = NewUpload(
        kind=MediaKind.IMAGE,
        content_type=content_type or "image/jpeg",
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        # The browser's name for the file, not the caller's words: kept printable and short.
        filename="".join(ch for ch in filename if ch.isprintable())[:FILENAME_MAX_LENGTH],
        alt_text=alt_text,
    )
    sha256 = _check(stores, declared)
    if (ready := await _ready_copy(stores, owner_id, sha256, declared)) is not None:
        return ready
    key = original_key(owner_id, sha256)
    await stores.media.put(key, data, declared.content_type)
    async with stores.sessions.begin() as session:
        media = Media(
            owner_id=owner_id,
            kind=MediaKind.IMAGE,
            status=MediaStatus.PROCESSING,
            content_type=declared.content_type,
            byte_size=len(data),
            sha256=sha256,
            filename=declared.filename,
            alt_text=alt_text,
            storage_key=key,
        )
        session.add(media)
        await session.flush()
        await session.refresh(media)
        event = outbox.record(session, names.MEDIA, names.PROCESS_MEDIA, media.id)
    await outbox.dispatch(stores, [event])
    return media
