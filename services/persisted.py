"""Persisted documents: Apollo's automatic persisted queries, kept in Redis, and trusted
documents, the list of hash -> document an app ships with, outside which nothing runs.

A client of automatic persisted queries sends ``extensions.persistedQuery = {version: 1,
sha256Hash}`` without the query; an unknown hash answers PERSISTED_QUERY_NOT_FOUND, and the
client sends the query with its hash once, which registers it. Hash-only requests may go by
GET, so a CDN can cache them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from settings import Settings

PREFIX = "apq:"
VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")

# Codes and messages as Apollo's clients look for them (older ones match the message).
NOT_FOUND = ("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
NOT_SUPPORTED = ("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
NOT_IN_LIST = ("PERSISTED_QUERY_NOT_IN_LIST", "This document is not one of the server's trusted documents.")


class PersistedQueryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Resolved:
    query: str
    hash_only: bool  # the client sent no text: a cacheable GET if it is a query


def sha256_of(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@functools.cache
def _read_trusted(path: Path) -> dict[str, str]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object of sha256 -> document")
    for key, document in raw.items():
        if not isinstance(document, str) or sha256_of(document) != key:
            raise ValueError(f"{path}: the document under {key!r} does not hash to it")
    return raw


def trusted_documents(settings: Settings) -> dict[str, str] | None:
    """The trusted documents by hash, or None when any document may run."""
    return None if settings.trusted_documents is None else _read_trusted(settings.trusted_documents)


def is_trusted(settings: Settings, document: str) -> bool:
    trusted = trusted_documents(settings)
    return trusted is None or sha256_of(document) in trusted


def manifest(documents: list[str]) -> dict[str, str]:
    """A trusted-documents file for these documents (what `shutter trusted-documents` writes)."""
    return {sha256_of(document): document for document in documents}


def _requested_hash(extensions: dict[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != VERSION:
        raise PersistedQueryError("BAD_REQUEST", "Unsupported persistedQuery: send {version: 1, sha256Hash}.")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise PersistedQueryError("BAD_REQUEST", "persistedQuery.sha256Hash must be 64 lower-case hex digits.")
    return digest


async def resolve(redis: Redis, settings: Settings, query: str | None, extensions: dict[str, Any] | None) -> Resolved:
    """The document a request asks to run: its own text, or the one its hash names."""
    digest = _requested_hash(extensions)
    if digest is None:
        if query is None:
            raise PersistedQueryError("BAD_REQUEST", "The 'query' parameter must be a string.")
        return Resolved(query, hash_only=False)
    if query is not None and sha256_of(query) != digest:
        raise PersistedQueryError("BAD_REQUEST", "persistedQuery.sha256Hash does not match the query.")
    trusted = trusted_documents(settings)
    if trusted is not None:
        document = trusted.get(digest)
        if document is None:
            raise PersistedQueryError(*NOT_FOUND)
        return Resolved(document, hash_only=query is None)
    if not settings.persisted_queries:
        raise PersistedQueryError(*NOT_SUPPORTED)
    # Redis holds nothing that must be there: without it, a hash is unknown and the client
    # sends its query in full, which runs.
    if query is not None:
        if len(query.encode("utf-8")) <= settings.persisted_query_max_bytes:
            with contextlib.suppress(RedisError):
                await redis.set(PREFIX + digest, query, ex=settings.persisted_query_ttl_seconds)
        return Resolved(query, hash_only=False)
    try:
        stored = await redis.get(PREFIX + digest)
    except RedisError:
        stored = None
    if stored is None:
        raise PersistedQueryError(*NOT_FOUND)
    return Resolved(stored.decode("utf-8") if isinstance(stored, bytes) else str(stored), hash_only=True)
