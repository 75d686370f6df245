"""The local media store's HTTP side: GET /media/{key} serves an object, PUT /media-upload/{key} receives one.

Both answer only to URLs the store signed (see ``storage.signing``); with the S3 backend the
routes answer 404, since clients then talk to S3 directly. Errors are JSON ``{"error": ...}``.
"""

from __future__ import annotations

import re
import time

from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from storage.base import ObjectMissing, StorageError
from storage.local import LocalObjectStore, UploadSizeMismatch
from storage.signing import UrlRejected

_LENGTH = re.compile(r"[0-9]{1,19}")
# Uploaded bytes are served from the API's own origin: never let a browser run them as a page.
_SAFE_SERVING = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _local_store(request: Request) -> LocalObjectStore | None:
    stores = getattr(request.state, "stores", None)
    store = getattr(stores, "media", None)
    return store if isinstance(store, LocalObjectStore) else None


async def serve_media(request: Request) -> Response:
    """Stream a stored object to the holder of a valid signed GET URL."""
    store = _local_store(request)
    if store is None:
        return _error(404, "not found")
    key = request.path_params["key"]
    try:
        expires = store.signer.verify_download(key, request.query_params.multi_items())
    except UrlRejected as rejected:
        return _error(403, rejected.reason)
    try:
        found = await store.open_object(key)
    except ObjectMissing:
        return _error(404, "not found")
    except StorageError:
        return _error(503, "media store unavailable")
    # A browser may reuse the bytes only while the URL itself would still be honoured.
    remaining = max(0, expires - int(time.time()))
    headers = {"Cache-Control": f"private, max-age={remaining}", **_SAFE_SERVING}
    # FileResponse also answers Range requests, which video players need to seek.
    return FileResponse(found.path, stat_result=found.stat, media_type=found.content_type, headers=headers)


def _declared_length_error(request: Request, length: int) -> JSONResponse | None:
    declared = request.headers.get("content-length")
    if declared is None:
        return None  # chunked: the body is counted as it arrives
    if not _LENGTH.fullmatch(declared):
        return _error(400, "malformed Content-Length")
    if int(declared) > length:
        return _error(413, f"body is longer than the {length} bytes this URL accepts")
    if int(declared) < length:
        return _error(400, f"body is shorter than the {length} bytes this URL expects")
    return None


async def receive_upload(request: Request) -> Response:
    """Take one signed upload (a whole object or one part); answers with its ETag."""
    store = _local_store(request)
    if store is None:
        return _error(404, "not found")
    key = request.path_params["key"]
    try:
        grant = store.signer.verify_upload(key, request.query_params.multi_items())
    except UrlRejected as rejected:
        return _error(403, rejected.reason)
    if request.headers.get("content-type") != grant.content_type:
        return _error(400, "Content-Type differs from the type this URL was signed for")
    refused = _declared_length_error(request, grant.length)
    if refused is not None:
        return refused
    try:
        etag = await store.receive(grant, request.stream())
    except UploadSizeMismatch as mismatch:
        if mismatch.too_large:
            return _error(413, f"body is longer than the {grant.length} bytes this URL accepts")
        return _error(400, f"body is shorter than the {grant.length} bytes this URL expects")
    except ObjectMissing:
        return _error(404, "no such multipart upload")
    except ClientDisconnect:
        return _error(400, "upload interrupted")
    except StorageError:
        return _error(503, "media store unavailable")
    return Response(status_code=200, headers={"ETag": etag})


def media_routes() -> list[BaseRoute]:
    """Routes for the local backend's signed URLs; mount them on the app at its root."""
    return [
        Route("/media/{key:path}", serve_media, methods=["GET"]),
        Route("/media-upload/{key:path}", receive_upload, methods=["PUT"]),
    ]
