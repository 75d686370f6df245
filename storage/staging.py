"""Multipart uploads on local disk: one staging directory per upload, joined in part order on completion.

Each part is checked against the ETag the client reports (quoted MD5 hex, as S3 does) while it
is copied, so a 1 GB video is read once.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from storage.base import StorageError
from storage.signing import UPLOAD_ID

MANIFEST = "manifest.json"
COPY_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class StagedUpload:
    key: str
    content_type: str
    sizes: list[int]


def etag_of(md5_hex: str) -> str:
    return f'"{md5_hex}"'


def _bare(etag: str) -> str:
    return etag.strip().strip('"').lower()


class Staging:
    """The ``.uploads`` directory of a local media root."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _dir(self, upload_id: str) -> Path | None:
        # Upload ids come back from clients; only our own hex shape may become a path.
        return self._root / upload_id if UPLOAD_ID.fullmatch(upload_id) else None

    def create(self, key: str, content_type: str, sizes: list[int]) -> str:
        upload_id = secrets.token_hex(16)
        directory = self._root / upload_id
        directory.mkdir(parents=True)
        manifest = {"key": key, "content_type": content_type, "sizes": sizes}
        (directory / MANIFEST).write_text(json.dumps(manifest))
        return upload_id

    def load(self, upload_id: str) -> StagedUpload | None:
        directory = self._dir(upload_id)
        if directory is None:
            return None
        try:
            manifest = json.loads((directory / MANIFEST).read_text())
        except (FileNotFoundError, NotADirectoryError):
            return None
        except ValueError as error:
            raise StorageError(f"unreadable manifest for upload {upload_id}") from error
        return StagedUpload(str(manifest["key"]), str(manifest["content_type"]), [int(n) for n in manifest["sizes"]])

    def place_part(self, upload_id: str, part: int, temp: Path) -> bool:
        """Move a received part into its upload; False if the upload is gone (aborted or done)."""
        directory = self._dir(upload_id)
        if directory is None:
            return False
        try:
            os.replace(temp, directory / str(part))
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    def assemble(self, upload_id: str, staged: StagedUpload, etags: list[str], out: BinaryIO) -> None:
        """Write the parts to `out` in order; StorageError if one is missing or not what `etags` say."""
        directory = self._dir(upload_id)
        if directory is None:
            raise StorageError("no such multipart upload")
        if len(etags) != len(staged.sizes):
            raise StorageError(f"upload has {len(staged.sizes)} parts, {len(etags)} ETags given")
        for number, (size, etag) in enumerate(zip(staged.sizes, etags, strict=True), start=1):
            try:
                part = (directory / str(number)).open("rb")
            except FileNotFoundError:
                raise StorageError(f"part {number} was never uploaded") from None
            digest = hashlib.md5(usedforsecurity=False)
            copied = 0
            with part:
                while chunk := part.read(COPY_CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
                    copied += len(chunk)
            if copied != size or digest.hexdigest() != _bare(etag):
                raise StorageError(f"part {number} does not match its ETag")

    def remove(self, upload_id: str) -> None:
        directory = self._dir(upload_id)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
