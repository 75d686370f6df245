"""The media object store's contract: what an object, an upload target and a failure look like.

Both backends (``storage.s3`` and ``storage.local``) implement ``ObjectStore``; callers code
against this module only.
"""

from __future__ import annotations

import abc
import datetime as dt
import math
import pathlib
import re
from dataclasses import dataclass

MAX_KEY_LENGTH = 512
# S3 refuses uploads of more than 10,000 parts; the local backend keeps the same ceiling so a
# plan that works in development works in production.
MAX_PARTS = 10_000
# Every segment starts with a letter or digit: no "", ".", ".." or hidden names, which also keeps
# keys clear of the local backend's own dot-directories.
_SEGMENT = re.compile(r"[a-z0-9][a-z0-9._-]*")
_CONTENT_TYPE = re.compile(r"[!-~]+/[!-~][ -~]{0,200}")


def is_valid_key(key: str) -> bool:
    """Whether `key` is a well-formed object key such as ``media/123/ab12/w640.jpg``."""
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH or ".." in key:
        return False
    return all(_SEGMENT.fullmatch(segment) for segment in key.split("/"))


def require_valid_key(key: str) -> str:
    if not is_valid_key(key):
        raise ValueError(f"invalid object key: {key[:80]!r}")
    return key


def require_valid_prefix(prefix: str) -> str:
    """A folder of keys: what a valid key holds before its last part, ending in "/"."""
    if not prefix.endswith("/") or not is_valid_key(prefix + "x"):
        raise ValueError(f"not a key folder: {prefix!r}")
    return prefix


def require_content_type(content_type: str) -> str:
    # The type is signed into URLs and sent back as a response header: printable ASCII only.
    if not _CONTENT_TYPE.fullmatch(content_type):
        raise ValueError(f"invalid content type: {content_type[:80]!r}")
    return content_type


def part_sizes(byte_size: int, part_size: int) -> list[int]:
    """The size of each part when `byte_size` bytes are cut into parts of `part_size`."""
    if byte_size < 1 or part_size < 1:
        raise ValueError("a multipart upload needs a positive size and part size")
    count = math.ceil(byte_size / part_size)
    if count > MAX_PARTS:
        raise ValueError(f"{count} parts is more than the {MAX_PARTS} a multipart upload allows")
    return [part_size] * (count - 1) + [byte_size - part_size * (count - 1)]


def expiry(expires_in: int) -> dt.datetime:
    if expires_in < 1:
        raise ValueError("expires_in must be at least one second")
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=expires_in)


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


@dataclass(frozen=True)
class UploadTarget:
    """Where and how a client sends bytes: PUT `url` with exactly `headers`, before `expires_at`.

    The signature also binds the body length; HTTP clients send Content-Length themselves (and
    browsers refuse to let scripts set it), so it is not listed in `headers`.
    """

    url: str
    method: str
    headers: dict[str, str]
    expires_at: dt.datetime


@dataclass(frozen=True)
class MultipartUpload:
    """A started multipart upload; part n goes to ``parts[n - 1]``."""

    upload_id: str
    part_size: int
    parts: list[UploadTarget]


class StorageError(Exception):
    """The object store failed or could not be reached."""


class ObjectMissing(StorageError):
    """No object has this key."""


class ObjectStore(abc.ABC):
    """Original uploads and processed variants, addressed by key.

    Every method raises ValueError for a key that ``is_valid_key`` refuses and StorageError when
    the store itself fails.
    """

    @abc.abstractmethod
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing any previous object."""

    @abc.abstractmethod
    async def put_file(self, key: str, path: pathlib.Path, content_type: str) -> None:
        """Store the local file `path` under `key`, streamed, replacing any previous object."""

    @abc.abstractmethod
    async def get(self, key: str) -> bytes:
        """The object's bytes; ObjectMissing if there is none."""

    @abc.abstractmethod
    async def stat(self, key: str) -> ObjectInfo | None:
        """The object's size, or None if there is none."""

    @abc.abstractmethod
    async def sha256(self, key: str) -> str:
        """Hex SHA-256 of the object, read in chunks; ObjectMissing if there is none."""

    @abc.abstractmethod
    async def download_to(self, key: str, path: pathlib.Path) -> None:
        """Stream the object into the local file `path`; ObjectMissing if there is none."""

    @abc.abstractmethod
    async def keys_under(self, prefix: str) -> list[str]:
        """Every key that starts with `prefix`, a folder ending in "/", sorted."""

    @abc.abstractmethod
    async def delete_many(self, keys: list[str]) -> None:
        """Delete every object named; keys with no object are skipped."""

    @abc.abstractmethod
    async def presign_put(self, key: str, content_type: str, byte_size: int, expires_in: int) -> UploadTarget:
        """A URL that accepts one PUT of exactly `byte_size` bytes of `content_type`."""

    @abc.abstractmethod
    async def start_multipart(
        self, key: str, content_type: str, byte_size: int, part_size: int, expires_in: int
    ) -> MultipartUpload:
        """Begin a multipart upload with one signed URL per part (the last part may be shorter)."""

    @abc.abstractmethod
    async def complete_multipart(self, key: str, upload_id: str, etags: list[str]) -> None:
        """Join the parts, `etags` in part order; StorageError if a part is missing or differs."""

    @abc.abstractmethod
    async def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop a multipart upload and its parts; an unknown upload is not an error."""

    @abc.abstractmethod
    async def presign_get(self, key: str, expires_in: int) -> str:
        """A URL that reads the object until `expires_in` seconds from now."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections and threads."""
