"""Turning an uploaded original into a READY media: verify, resize, poster, blurhash, and for
a video a copy without its metadata, which is what viewers get.

Safe to run twice: it only acts on media still PROCESSING, and variants are written under
keys derived from the content, so a repeat overwrites identical bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
from pathlib import Path
from typing import Any

from db import media as media_queries
from db.content import Media, MediaKind, MediaStatus
from services.images import ProcessedImage, process_image
from services.media_errors import MediaCode, MediaRejected
from services.stores import Stores
from services.videos import probe_video, strip_metadata
from storage import StorageError

log = logging.getLogger(__name__)
PROCESSING_FAILED = "PROCESSING_FAILED"


def variant_key(original_key: str, width: int, content_type: str, prefix: str = "w") -> str:
    extension = "webp" if content_type == "image/webp" else "jpg"
    return f"{original_key.rsplit('/', 1)[0]}/{prefix}{width}.{extension}"


async def _store_variants(stores: Stores, media: Media, image: ProcessedImage, prefix: str) -> list[dict[str, Any]]:
    stored = []
    for variant in image.variants:
        key = variant_key(media.storage_key, variant.width, variant.content_type, prefix)
        await stores.media.put(key, variant.data, variant.content_type)
        stored.append(
            {"width": variant.width, "height": variant.height, "key": key, "contentType": variant.content_type}
        )
    return stored


def _check_digest(media: Media, digest: str) -> None:
    """The bytes must still be those ``completeUpload`` verified: a signed upload URL stays usable
    until it expires, and bytes put afterwards must not become what viewers see."""
    if digest != media.sha256:
        raise MediaRejected(MediaCode.CHECKSUM_MISMATCH, "The stored bytes changed after the upload was completed.")


def _file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


async def _process(stores: Stores, media: Media) -> dict[str, Any]:
    settings = stores.settings
    max_pixels, widths = settings.image_max_pixels, settings.image_variant_widths
    if media.kind is MediaKind.IMAGE:
        data = await stores.media.get(media.storage_key)
        _check_digest(media, hashlib.sha256(data).hexdigest())
        image = await asyncio.to_thread(
            process_image, data, max_bytes=settings.image_max_bytes, max_pixels=max_pixels, widths=widths
        )
        variants = await _store_variants(stores, media, image, "w")
        return {"width": image.width, "height": image.height, "blurhash": image.blurhash, "variants": variants}
    with tempfile.TemporaryDirectory(prefix="shutter-video-") as scratch:
        path = Path(scratch) / "original"
        await stores.media.download_to(media.storage_key, path)
        _check_digest(media, await asyncio.to_thread(_file_digest, path))
        video = await asyncio.to_thread(
            probe_video, path, max_bytes=settings.video_max_bytes, max_pixels=max_pixels, widths=widths
        )
        clean = await asyncio.to_thread(strip_metadata, path, Path(scratch))
        clean_key = f"{media.storage_key.rsplit('/', 1)[0]}/video.{clean.extension}"
        await stores.media.put_file(clean_key, clean.path, clean.content_type)
    variants = await _store_variants(stores, media, video.poster, "poster-w")
    # The playable copy rides with the poster's variants, so copies of the media and its
    # cleanup carry it along; `url` picks among images only.
    variants.append({"width": video.width, "height": video.height, "key": clean_key, "contentType": clean.content_type})
    return {
        "width": video.width,
        "height": video.height,
        "duration_seconds": video.duration_seconds,
        "blurhash": video.poster.blurhash,
        "variants": variants,
    }


async def process_media(stores: Stores, media_id: int) -> MediaStatus | None:
    """Process one upload; returns its final status, or None when there was nothing to do.

    Storage errors propagate so the job is retried; a file that can never be processed
    ends FAILED with the reason's code.
    """
    async with stores.sessions() as session:
        media = (await media_queries.media_by_ids(session, [media_id])).get(media_id)
    if media is None or media.status is not MediaStatus.PROCESSING:
        return None
    try:
        outcome: dict[str, Any] = {**await _process(stores, media), "status": MediaStatus.READY}
    except MediaRejected as rejected:
        log.info("media rejected", extra={"media_id": media_id, "code": rejected.code.value})
        outcome = {"status": MediaStatus.FAILED, "failure_code": rejected.code.value}
    except StorageError:
        raise  # transient: the job is retried
    except Exception:
        # A decoder failing in a way no rule foresaw would fail the same way on every retry:
        # end FAILED with a code rather than leave the media PROCESSING for ever.
        log.exception("media processing failed", extra={"media_id": media_id})
        outcome = {"status": MediaStatus.FAILED, "failure_code": PROCESSING_FAILED}
    async with stores.sessions.begin() as session:
        current = await media_queries.media_for_update(session, media_id)
        if current is None or current.status is not MediaStatus.PROCESSING:
            return None
        for name, value in outcome.items():
            setattr(current, name, value)
    return MediaStatus(outcome["status"])
