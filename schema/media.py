"""The Media type and the upload instructions handed to clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from typing import Any

import strawberry
from strawberry import relay

from db.content import Media as MediaRow
from db.content import MediaKind, MediaStatus
from schema.context import Context
from schema.errors import UserError

MediaKindEnum = strawberry.enum(MediaKind, name="MediaKind")
MediaStatusEnum = strawberry.enum(MediaStatus, name="MediaStatus")


@strawberry.type(name="Media", description="A photo or video. URLs are short-lived and signed.")
class Media(relay.Node):
    id: relay.NodeID[int]
    kind: MediaKindEnum  # type: ignore[valid-type]
    status: MediaStatusEnum  # type: ignore[valid-type]
    failure_code: str | None = strawberry.field(description="Why processing failed (FAILED only).")
    width: int | None
    height: int | None
    duration_seconds: float | None
    blurhash: str | None
    alt_text: str
    row: strawberry.Private[MediaRow]

    @classmethod
    def from_row(cls, row: MediaRow) -> Media:
        return cls(
            id=row.id,
            kind=row.kind,
            status=row.status,
            failure_code=row.failure_code,
            width=row.width,
            height=row.height,
            duration_seconds=row.duration_seconds,
            blurhash=row.blurhash,
            alt_text=row.alt_text,
            row=row,
        )

    @strawberry.field(
        graphql_type=str | None,
        description="A signed URL of the smallest variant at least `size` pixels wide (the largest when "
        "none is, or when `size` is left out); for videos, of the poster frame. Null until READY.",
    )
    def url(self, info: strawberry.Info[Context, None], size: int | None = None) -> str | Awaitable[str] | None:
        variants = sorted((v for v in self.row.variants if _is_image(v)), key=lambda v: int(v["width"]))
        if self.row.status is not MediaStatus.READY or not variants:
            return None
        wide_enough = [v for v in variants if size is not None and int(v["width"]) >= size]
        chosen = str((wide_enough[0] if wide_enough else variants[-1])["key"])
        urls = info.context.stores.media_urls
        return urls.cached(chosen) or urls.get(chosen)

    @strawberry.field(
        graphql_type=str | None,
        description="A signed URL of the video, as uploaded but without its metadata (location, device, "
        "dates). Null for images and until READY.",
    )
    def video_url(self, info: strawberry.Info[Context, None]) -> str | Awaitable[str] | None:
        if self.row.kind is not MediaKind.VIDEO or self.row.status is not MediaStatus.READY:
            return None
        playable = [str(v["key"]) for v in self.row.variants if not _is_image(v)]
        if not playable:
            return None
        urls = info.context.stores.media_urls
        return urls.cached(playable[0]) or urls.get(playable[0])


def _is_image(variant: dict[str, Any]) -> bool:
    return str(variant.get("contentType", "")).startswith("image/")


@strawberry.type
class HttpHeader:
    name: str
    value: str


@strawberry.type(description="One presigned request: send the bytes with this method, URL and headers.")
class UploadTarget:
    url: str
    method: str
    headers: list[HttpHeader] = strawberry.field(description="Send every one of them.")
    expires_at: dt.datetime


@strawberry.type(description="Upload part n with parts[n-1], then pass every part's ETag to completeUpload.")
class MultipartPlan:
    part_size: int
    parts: list[UploadTarget]


@strawberry.type
class CreateUploadPayload:
    media: Media | None = None
    upload: UploadTarget | None = strawberry.field(default=None, description="Null when no upload is needed.")
    multipart: MultipartPlan | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MediaPayload:
    media: Media | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateUploadInput:
    kind: MediaKindEnum  # type: ignore[valid-type]
    content_type: str
    byte_size: int = strawberry.field(description="Exact size in bytes.")
    sha256: str = strawberry.field(description="Hex SHA-256 of the whole file.")
    filename: str = ""
    alt_text: str = ""


@strawberry.input
class UploadedPartInput:
    part_number: int
    etag: str


@strawberry.input
class CompleteUploadInput:
    media_id: strawberry.ID
    parts: list[UploadedPartInput] = strawberry.field(default_factory=list)
