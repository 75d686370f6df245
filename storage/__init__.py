"""Media object store: original uploads and processed variants, on S3 or on local disk.

``create_store(settings)`` picks the backend from ``settings.storage_backend``.
"""

from __future__ import annotations

from settings import Settings
from storage.base import (
    MultipartUpload,
    ObjectInfo,
    ObjectMissing,
    ObjectStore,
    StorageError,
    UploadTarget,
    is_valid_key,
)
from storage.local import LocalObjectStore

__all__ = [
    "LocalObjectStore",
    "MultipartUpload",
    "ObjectInfo",
    "ObjectMissing",
    "ObjectStore",
    "StorageError",
    "UploadTarget",
    "create_store",
    "is_valid_key",
]


def create_store(settings: Settings) -> ObjectStore:
    """The configured media store: ``"local"`` or ``"s3"``; anything else is a ValueError."""
    if settings.storage_backend == "local":
        return LocalObjectStore.from_settings(settings)
    if settings.storage_backend == "s3":
        # boto3 takes a while to import; processes on the local backend never need it.
        from storage.s3 import S3ObjectStore

        return S3ObjectStore.from_settings(settings)
    raise ValueError(f"unknown storage_backend {settings.storage_backend!r} (expected 'local' or 's3')")
