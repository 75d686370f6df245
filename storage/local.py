"""The local-disk media store (``make dev``): files under the media root, signed URLs served by the app.

Layout under the root: objects at ``<key>``; each object's content type in the sidecar
``.types/<key>`` (originals are named ``.../original``, so the type cannot come from a suffix);
temp files in ``.tmp``; multipart staging in ``.uploads``. Keys never start a segment with a
dot, so no key reaches these directories. A key that names a directory of another key's path
(``a/b`` beside ``a/b/c``) cannot be stored here, unlike on S3.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import shutil
import stat as stat_module
import tempfile
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ParamSpec, TypeVar

from settings import Settings
from storage.base import (
    MultipartUpload,
    ObjectInfo,
    ObjectMissing,
    ObjectStore,
    StorageError,
    UploadTarget,
    expiry,
    part_sizes,
    require_content_type,
    require_valid_key,
    require_valid_prefix,
)
from storage.signing import UploadGrant, UrlSigner
from storage.staging import Staging, etag_of

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Request bodies arrive in small chunks; writing them in batches saves thread hops.
WRITE_BATCH_BYTES = 1024 * 1024
COPY_CHUNK_BYTES = 1024 * 1024
_ABSENT = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


class UploadSizeMismatch(Exception):
    """An upload body longer (`too_large`) or shorter than its signed length."""

    def __init__(self, too_large: bool) -> None:
        super().__init__("upload body is longer than signed" if too_large else "upload body is shorter than signed")
        self.too_large = too_large


@dataclass(frozen=True)
class StoredFile:
    path: Path
    stat: os.stat_result
    content_type: str


class LocalObjectStore(ObjectStore):
    def __init__(self, root: Path, public_base_url: str, secret_key: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self._root = root.resolve()
        self._types = self._root / ".types"
        self._tmp = self._root / ".tmp"
        for directory in (self._types, self._tmp, self._root / ".uploads"):
            directory.mkdir(exist_ok=True)
        self._staging = Staging(self._root / ".uploads")
        self.signer = UrlSigner(secret_key, public_base_url)

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalObjectStore:
        if not settings.secret_key:
            raise ValueError("the local media store signs URLs with secret_key, which is not set")
        return cls(settings.media_root, settings.public_url, settings.secret_key)

    @staticmethod
    async def _run(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except OSError as error:
            raise StorageError(f"local media store: {error.strerror or error}") from error

    def _inside(self, base: Path, key: str) -> Path:
        path = (base / require_valid_key(key)).resolve()
        # A valid key cannot climb, but a symlink planted under the root could.
        if not path.is_relative_to(base.resolve()):
            raise StorageError("object path leaves the media root")
        return path

    def _path(self, key: str) -> Path:
        return self._inside(self._root, key)

    def _new_temp(self) -> tuple[BinaryIO, Path]:
        descriptor, name = tempfile.mkstemp(dir=self._tmp)
        return os.fdopen(descriptor, "wb"), Path(name)

    def _install(self, temp: Path, key: str, content_type: str) -> None:
        """Make a finished temp file the object `key`; readers see the old object or the new one."""
        target, type_file = self._path(key), self._inside(self._types, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        type_file.parent.mkdir(parents=True, exist_ok=True)
        # The type lands first: an object is never visible without it.
        type_temp, type_path = self._new_temp()
        try:
            with type_temp:
                type_temp.write(content_type.encode())
            os.replace(type_path, type_file)
        finally:
            type_path.unlink(missing_ok=True)
        os.replace(temp, target)

    def _write(self, key: str, content_type: str, write: Callable[[BinaryIO], object]) -> None:
        file, temp = self._new_temp()
        try:
            with file:
                write(file)
                file.flush()
                os.fsync(file.fileno())
            self._install(temp, key, content_type)
        finally:
            temp.unlink(missing_ok=True)

    def _open(self, key: str) -> io.BufferedReader:
        try:
            return self._path(key).open("rb")
        except _ABSENT:
            raise ObjectMissing(key) from None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        require_valid_key(key)
        await self._run(self._write, key, require_content_type(content_type), lambda file: file.write(data))

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        require_valid_key(key)

        def copy(target: BinaryIO) -> None:
            with path.open("rb") as source:
                shutil.copyfileobj(source, target, COPY_CHUNK_BYTES)

        await self._run(self._write, key, require_content_type(content_type), copy)

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            with self._open(key) as file:
                return file.read()

        return await self._run(read)

    def _stat(self, key: str) -> os.stat_result | None:
        try:
            result = self._path(key).stat()
        except _ABSENT:
            return None
        return result if stat_module.S_ISREG(result.st_mode) else None

    async def stat(self, key: str) -> ObjectInfo | None:
        result = await self._run(self._stat, key)
        return None if result is None else ObjectInfo(key, result.st_size)

    async def sha256(self, key: str) -> str:
        def digest() -> str:
            with self._open(key) as file:
                return hashlib.file_digest(file, "sha256").hexdigest()

        return await self._run(digest)

    async def download_to(self, key: str, path: Path) -> None:
        def copy() -> None:
            with self._open(key) as source, path.open("wb") as target:
                shutil.copyfileobj(source, target, COPY_CHUNK_BYTES)

        await self._run(copy)

    async def keys_under(self, prefix: str) -> list[str]:
        folder = self._inside(self._root, require_valid_prefix(prefix) + "x").parent

        def walk() -> list[str]:
            if not folder.is_dir():
                return []
            return sorted(str(path.relative_to(self._root)) for path in folder.rglob("*") if path.is_file())

        return await self._run(walk)

    async def delete_many(self, keys: list[str]) -> None:
        def delete() -> None:
            for path in [self._path(key) for key in keys] + [self._inside(self._types, key) for key in keys]:
                with contextlib.suppress(IsADirectoryError, NotADirectoryError):
                    path.unlink(missing_ok=True)

        await self._run(delete)

    async def presign_put(self, key: str, content_type: str, byte_size: int, expires_in: int) -> UploadTarget:
        require_valid_key(key)
        if byte_size < 0:
            raise ValueError("byte_size must not be negative")
        expires_at = expiry(expires_in)
        url = self.signer.upload_url(key, require_content_type(content_type), byte_size, int(expires_at.timestamp()))
        return UploadTarget(url, "PUT", {"Content-Type": content_type}, expires_at)

    async def start_multipart(
        self, key: str, content_type: str, byte_size: int, part_size: int, expires_in: int
    ) -> MultipartUpload:
        require_valid_key(key)
        require_content_type(content_type)
        sizes = part_sizes(byte_size, part_size)
        expires_at = expiry(expires_in)
        upload_id = await self._run(self._staging.create, key, content_type, sizes)
        expires = int(expires_at.timestamp())
        parts = [
            UploadTarget(
                self.signer.upload_url(key, content_type, size, expires, upload_id=upload_id, part=number),
                "PUT",
                {"Content-Type": content_type},
                expires_at,
            )
            for number, size in enumerate(sizes, start=1)
        ]
        return MultipartUpload(upload_id, part_size, parts)

    async def complete_multipart(self, key: str, upload_id: str, etags: list[str]) -> None:
        require_valid_key(key)

        def complete() -> None:
            staged = self._staging.load(upload_id)
            if staged is None or staged.key != key:
                raise StorageError("no such multipart upload")
            self._write(key, staged.content_type, lambda file: self._staging.assemble(upload_id, staged, etags, file))
            self._staging.remove(upload_id)

        await self._run(complete)

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        require_valid_key(key)
        await self._run(self._staging.remove, upload_id)

    async def presign_get(self, key: str, expires_in: int) -> str:
        require_valid_key(key)
        return self.signer.download_url(key, int(expiry(expires_in).timestamp()))

    async def close(self) -> None:
        return None

    async def open_object(self, key: str) -> StoredFile:
        """The file behind `key` and its content type, for serving; ObjectMissing if none."""

        def find() -> StoredFile:
            result = self._stat(key)
            if result is None:
                raise ObjectMissing(key)
            try:
                content_type = self._inside(self._types, key).read_text().strip() or DEFAULT_CONTENT_TYPE
            except _ABSENT:
                content_type = DEFAULT_CONTENT_TYPE
            return StoredFile(self._path(key), result, content_type)

        return await self._run(find)

    async def receive(self, grant: UploadGrant, body: AsyncIterable[bytes]) -> str:
        """Store one signed upload (a whole object or a part) from `body`; returns its ETag.

        Reading stops at the first byte past the signed length (UploadSizeMismatch); an
        upload that was aborted or completed is ObjectMissing.
        """
        if grant.upload_id is not None and grant.part is not None:
            staged = await self._run(self._staging.load, grant.upload_id)
            if staged is None or staged.key != grant.key or grant.part > len(staged.sizes):
                raise ObjectMissing("no such multipart upload")
        file, temp = await self._run(self._new_temp)
        try:
            digest = hashlib.md5(usedforsecurity=False)
            received, batch = 0, bytearray()
            async for chunk in body:
                received += len(chunk)
                if received > grant.length:
                    raise UploadSizeMismatch(too_large=True)
                digest.update(chunk)
                batch += chunk
                if len(batch) >= WRITE_BATCH_BYTES:
                    await self._run(file.write, bytes(batch))
                    batch.clear()
            if received != grant.length:
                raise UploadSizeMismatch(too_large=False)
            await self._run(self._finish, file, bytes(batch))
            if grant.upload_id is not None and grant.part is not None:
                if not await self._run(self._staging.place_part, grant.upload_id, grant.part, temp):
                    raise ObjectMissing("no such multipart upload")
            else:
                await self._run(self._install, temp, grant.key, grant.content_type)
        finally:
            file.close()
            await self._run(temp.unlink, missing_ok=True)
        return etag_of(digest.hexdigest())

    @staticmethod
    def _finish(file: BinaryIO, tail: bytes) -> None:
        file.write(tail)
        file.flush()
        os.fsync(file.fileno())
        file.close()
