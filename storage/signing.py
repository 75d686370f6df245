"""HMAC-signed, expiring URLs for the local backend: ``/media/{key}`` (GET) and ``/media-upload/{key}`` (PUT).

The signature covers the method, the key and every query parameter but ``sig``, so a URL
cannot be moved to another key, stretched in time, or reused for another type or length.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from storage.base import MAX_PARTS, is_valid_key

# A key of its own for URLs, so a leaked media signature says nothing about tokens signed
# with the same secret, and the other way round.
KEY_CONTEXT = b"shutter-media-urls"
DOWNLOAD_PARAMS = frozenset({"expires"})
UPLOAD_PARAMS = frozenset({"expires", "type", "length"})
PART_PARAMS = UPLOAD_PARAMS | {"upload", "part"}
_DIGITS = re.compile(r"[0-9]{1,19}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


class UrlRejected(Exception):
    """A media URL whose signature, expiry or parameters do not check out."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class UploadGrant:
    """What a verified upload URL allows: one body of `length` bytes of `content_type`."""

    key: str
    content_type: str
    length: int
    expires: int
    upload_id: str | None = None
    part: int | None = None


class UrlSigner:
    def __init__(self, secret_key: str, base_url: str) -> None:
        self._key = hmac.new(secret_key.encode(), KEY_CONTEXT, hashlib.sha256).digest()
        self._base_url = base_url.rstrip("/")

    def _signature(self, method: str, key: str, params: dict[str, str]) -> str:
        # urlencode escapes "&", "=" and newlines, so distinct parameter sets never collide.
        message = f"{method}\n{key}\n{urlencode(sorted(params.items()))}"
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def _url(self, method: str, path: str, key: str, params: dict[str, str]) -> str:
        signed = {**params, "sig": self._signature(method, key, params)}
        return f"{self._base_url}/{path}/{key}?{urlencode(signed)}"

    def download_url(self, key: str, expires: int) -> str:
        return self._url("GET", "media", key, {"expires": str(expires)})

    def upload_url(
        self,
        key: str,
        content_type: str,
        length: int,
        expires: int,
        *,
        upload_id: str | None = None,
        part: int | None = None,
    ) -> str:
        params = {"expires": str(expires), "type": content_type, "length": str(length)}
        if upload_id is not None and part is not None:
            params |= {"upload": upload_id, "part": str(part)}
        return self._url("PUT", "media-upload", key, params)

    def _verify(
        self, method: str, key: str, query: Sequence[tuple[str, str]], shapes: Sequence[frozenset[str]], now: float
    ) -> dict[str, str]:
        params = dict(query)
        if len(params) != len(query):
            raise UrlRejected("repeated query parameter")
        signature = params.pop("sig", "")
        if not _SIGNATURE.fullmatch(signature) or frozenset(params) not in shapes or not is_valid_key(key):
            raise UrlRejected("malformed signed URL")
        expected = self._signature(method, key, params)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise UrlRejected("bad signature")
        # Only URLs this process signed get this far, so the numbers below are ours.
        if not _DIGITS.fullmatch(params["expires"]) or int(params["expires"]) < now:
            raise UrlRejected("expired")
        return params

    def verify_download(self, key: str, query: Sequence[tuple[str, str]], now: float | None = None) -> int:
        """The expiry (unix seconds) of a valid GET URL for `key`; UrlRejected otherwise."""
        params = self._verify("GET", key, query, [DOWNLOAD_PARAMS], time.time() if now is None else now)
        return int(params["expires"])

    def verify_upload(self, key: str, query: Sequence[tuple[str, str]], now: float | None = None) -> UploadGrant:
        """What a valid PUT URL for `key` allows; UrlRejected otherwise."""
        params = self._verify("PUT", key, query, [UPLOAD_PARAMS, PART_PARAMS], time.time() if now is None else now)
        if not _DIGITS.fullmatch(params["length"]):
            raise UrlRejected("malformed signed URL")
        grant = UploadGrant(key, params["type"], int(params["length"]), int(params["expires"]))
        if "upload" not in params:
            return grant
        upload_id, part = params["upload"], params["part"]
        if not UPLOAD_ID.fullmatch(upload_id) or not _DIGITS.fullmatch(part) or not 1 <= int(part) <= MAX_PARTS:
            raise UrlRejected("malformed signed URL")
        return UploadGrant(grant.key, grant.content_type, grant.length, grant.expires, upload_id, int(part))
