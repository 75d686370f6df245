"""The S3 media store (production, or any S3-compatible service) over boto3.

boto3 blocks, so every call runs in a worker thread. Objects stay private: clients reach them
only through presigned URLs, which bind the content type and length of uploads.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import boto3  # type: ignore[import-untyped]
from boto3.exceptions import S3UploadFailedError  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

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

P = ParamSpec("P")
T = TypeVar("T")

CHUNK_BYTES = 1024 * 1024
# S3's own rules: every part but the last at least 5 MiB, at most 1,000 keys per batch delete.
MIN_PART_BYTES = 5 * 1024 * 1024
DELETE_BATCH = 1000
_MISSING = frozenset({"NoSuchKey", "NotFound", "404"})
_NO_UPLOAD = frozenset({"NoSuchUpload", "404"})
_NO_BUCKET = frozenset({"NoSuchBucket", "NotFound", "404"})


def _code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def create_client(settings: Settings) -> Any:
    """A boto3 S3 client for the configured endpoint, region and credentials."""
    custom_endpoint = settings.s3_endpoint_url is not None
    config = Config(
        signature_version="s3v4",
        # Path style because S3-compatible servers (and moto) rarely resolve bucket subdomains.
        s3={"addressing_style": "path"} if custom_endpoint else {},
        connect_timeout=settings.store_timeout_seconds,
        retries={"max_attempts": 3, "mode": "standard"},
        # One connection for each thread asyncio.to_thread may run at once.
        max_pool_connections=32,
        # Many S3-compatible servers reject the CRC checksum headers boto3 sends by default.
        request_checksum_calculation="when_required" if custom_endpoint else "when_supported",
        response_checksum_validation="when_required" if custom_endpoint else "when_supported",
    )
    return boto3.session.Session().client(
        "s3",
        region_name=settings.s3_region,
        endpoint_url=settings.s3_endpoint_url,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
        config=config,
    )


class S3ObjectStore(ObjectStore):
    def __init__(self, client: Any, bucket: str, region: str) -> None:
        self._client = client
        self._bucket = bucket
        self._region = region

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ObjectStore:
        return cls(create_client(settings), settings.s3_bucket, settings.s3_region)

    @staticmethod
    async def _call(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except ClientError as error:
            if _code(error) in _MISSING:
                raise ObjectMissing(str(error)) from error
            raise StorageError(f"S3: {error}") from error
        except (BotoCoreError, OSError) as error:
            raise StorageError(f"S3 unreachable or failing: {error}") from error

    async def ensure_bucket(self) -> None:
        """Create the bucket unless it exists (development and tests; production provisions it)."""

        def ensure() -> None:
            try:
                self._client.head_bucket(Bucket=self._bucket)
                return
            except ClientError as error:
                if _code(error) not in _NO_BUCKET:
                    raise
            options: dict[str, Any] = {}
            if self._region != "us-east-1":  # the one region that refuses a location constraint
                options["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
            try:
                self._client.create_bucket(Bucket=self._bucket, **options)
            except ClientError as error:
                if _code(error) != "BucketAlreadyOwnedByYou":  # another process created it first
                    raise

        await self._call(ensure)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._call(
            self._client.put_object,
            Bucket=self._bucket,
            Key=require_valid_key(key),
            Body=data,
            ContentType=require_content_type(content_type),
        )

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        def upload() -> None:
            # boto3's managed transfer: large files go up in parts, several at once.
            try:
                self._client.upload_file(
                    str(path),
                    self._bucket,
                    require_valid_key(key),
                    ExtraArgs={"ContentType": require_content_type(content_type)},
                )
            except S3UploadFailedError as error:
                raise StorageError(f"S3: {error}") from error

        await self._call(upload)

    def _body(self, key: str) -> Any:
        return self._client.get_object(Bucket=self._bucket, Key=require_valid_key(key))["Body"]

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            body = self._body(key)
            with body:
                return bytes(body.read())

        return await self._call(read)

    async def stat(self, key: str) -> ObjectInfo | None:
        try:
            head = await self._call(self._client.head_object, Bucket=self._bucket, Key=require_valid_key(key))
        except ObjectMissing:
            return None
        return ObjectInfo(key, int(head["ContentLength"]))

    async def sha256(self, key: str) -> str:
        def digest() -> str:
            hasher = hashlib.sha256()
            body = self._body(key)
            with body:
                for chunk in body.iter_chunks(CHUNK_BYTES):
                    hasher.update(chunk)
            return hasher.hexdigest()

        return await self._call(digest)

    async def download_to(self, key: str, path: Path) -> None:
        def download() -> None:
            body = self._body(key)
            with body, path.open("wb") as target:
                for chunk in body.iter_chunks(CHUNK_BYTES):
                    target.write(chunk)

        await self._call(download)

    async def keys_under(self, prefix: str) -> list[str]:
        def listing() -> list[str]:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix=require_valid_prefix(prefix)
            )
            return sorted(str(item["Key"]) for page in pages for item in page.get("Contents", []))

        return await self._call(listing)

    async def delete_many(self, keys: list[str]) -> None:
        for key in keys:
            require_valid_key(key)
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            answer = await self._call(
                self._client.delete_objects, Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True}
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise StorageError(f"S3 could not delete {first.get('Key')}: {first.get('Code')}")

    def _presign(self, operation: str, params: dict[str, Any], expires_in: int, method: str) -> str:
        return str(
            self._client.generate_presigned_url(
                operation, Params={"Bucket": self._bucket, **params}, ExpiresIn=expires_in, HttpMethod=method
            )
        )

    async def presign_put(self, key: str, content_type: str, byte_size: int, expires_in: int) -> UploadTarget:
        require_valid_key(key)
        require_content_type(content_type)
        if byte_size < 0:
            raise ValueError("byte_size must not be negative")
        expires_at = expiry(expires_in)
        # Content-Type and Content-Length become signed headers: S3 refuses any other value.
        params = {"Key": key, "ContentType": content_type, "ContentLength": byte_size}
        url = await self._call(self._presign, "put_object", params, expires_in, "PUT")
        return UploadTarget(url, "PUT", {"Content-Type": content_type}, expires_at)

    async def start_multipart(
        self, key: str, content_type: str, byte_size: int, part_size: int, expires_in: int
    ) -> MultipartUpload:
        require_valid_key(key)
        require_content_type(content_type)
        sizes = part_sizes(byte_size, part_size)
        if len(sizes) > 1 and part_size < MIN_PART_BYTES:
            raise ValueError(f"S3 needs parts of at least {MIN_PART_BYTES} bytes")
        expires_at = expiry(expires_in)
        created = await self._call(
            self._client.create_multipart_upload, Bucket=self._bucket, Key=key, ContentType=content_type
        )
        upload_id = str(created["UploadId"])

        def sign_parts() -> list[str]:
            return [
                self._presign(
                    "upload_part",
                    {"Key": key, "UploadId": upload_id, "PartNumber": number, "ContentLength": size},
                    expires_in,
                    "PUT",
                )
                for number, size in enumerate(sizes, start=1)
            ]

        urls = await self._call(sign_parts)
        # UploadPart has no Content-Type of its own; clients send the same headers as for a
        # local part, which S3 accepts unsigned.
        parts = [UploadTarget(url, "PUT", {"Content-Type": content_type}, expires_at) for url in urls]
        return MultipartUpload(upload_id, part_size, parts)

    async def complete_multipart(self, key: str, upload_id: str, etags: list[str]) -> None:
        parts = [{"ETag": etag, "PartNumber": number} for number, etag in enumerate(etags, start=1)]
        await self._call(
            self._client.complete_multipart_upload,
            Bucket=self._bucket,
            Key=require_valid_key(key),
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
        )

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        require_valid_key(key)

        def abort() -> None:
            try:
                self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
            except ClientError as error:
                if _code(error) not in _NO_UPLOAD:
                    raise

        await self._call(abort)

    async def presign_get(self, key: str, expires_in: int) -> str:
        require_valid_key(key)
        expiry(expires_in)
        return await self._call(self._presign, "get_object", {"Key": key}, expires_in, "GET")

    async def close(self) -> None:
        await asyncio.to_thread(self._client.close)
