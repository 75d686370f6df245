"""GraphQL multipart requests (jaydenseric/graphql-multipart-request-spec): files as variables.

A ``multipart/form-data`` POST carries ``operations`` (the JSON request with a null wherever a
file goes), then ``map`` (file field name → paths of those nulls), then the files. Each mapped
null becomes the Starlette ``UploadFile`` that Strawberry's ``Upload`` scalar passes through;
a file mapped to several paths is one object, so a resolver reads it after ``await file.seek(0)``.
Stricter than the spec: one operation only (no batches), fields in the spec's order, and every
file part mentioned in ``map``. Browsers send such forms cross-site unasked, hence the CSRF check.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive

from settings import Settings
from web import jsonbody
from web.graphql_request import GraphQLRequest, RequestError, parse_parameters

OPERATIONS = "operations"
MAP = "map"
# A browser may send a form POST to any site without asking first; a header outside the
# CORS safelist forces a preflight, which other origins fail.
PREFLIGHT_HEADERS = ("graphql-require-preflight", "apollo-require-preflight", "x-apollo-operation-name")
TOO_LARGE = "PAYLOAD_TOO_LARGE"


@dataclass(frozen=True, slots=True)
class MultipartLimits:
    """Each file ≤ max_file_bytes, at most max_files of them; ``operations`` and ``map`` each
    ≤ max_field_bytes; the whole body ≤ max_body_bytes, checked as it arrives."""

    max_files: int
    max_file_bytes: int
    max_field_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> MultipartLimits:
        # One request uploads at most one post's worth of media.
        return cls(settings.max_media_per_post, settings.multipart_upload_max_bytes, settings.max_request_bytes)

    @property
    def max_body_bytes(self) -> int:
        """Every file at its limit, plus what a JSON request may carry for the rest."""
        return self.max_field_bytes + self.max_files * self.max_file_bytes


def require_preflight(headers: Headers) -> None:
    """Refuse cross-site form posts (see PREFLIGHT_HEADERS); any value of the header will do."""
    if not any(name in headers for name in PREFLIGHT_HEADERS):
        raise RequestError(
            "Multipart requests must carry a 'GraphQL-Require-Preflight' header (any value; "
            "'Apollo-Require-Preflight' or 'X-Apollo-Operation-Name' also do), so that browsers "
            "ask CORS first: this protects against cross-site request forgery.",
            "CSRF_PROTECTION",
            status=400,
        )


def parse_operations(text: str) -> dict[str, Any]:
    operations = _json_field(text, OPERATIONS)
    if isinstance(operations, list):
        raise RequestError("Batched operations are not supported: send one operation object in 'operations'.")
    if not isinstance(operations, dict):
        raise RequestError("The 'operations' field must be a JSON object.")
    return operations


def parse_map(text: str) -> dict[str, list[str]]:
    files_map = _json_field(text, MAP)
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and paths and all(isinstance(path, str) for path in paths)
        for paths in files_map.values()
    ):
        raise RequestError("The 'map' field must be a JSON object of file field names to non-empty lists of paths.")
    for reserved in (OPERATIONS, MAP):
        if reserved in files_map:
            raise RequestError(f"A file field cannot be named '{reserved}'.")
    return files_map


def place_files(operations: dict[str, Any], files_map: Mapping[str, list[str]], files: Mapping[str, Any]) -> None:
    """Put each file where its paths point, in place. Every path must point at a null, so no
    path takes two files and no file overwrites a value the client sent."""
    for name, paths in files_map.items():
        for path in paths:
            container, key = _slot(operations, path)
            container[key] = files[name]


def _slot(operations: dict[str, Any], path: str) -> tuple[Any, Any]:
    """The container and key of the null that ``path`` names, e.g. ``variables.files.0``."""
    keys = path.split(".")
    target: Any = operations
    for depth, key in enumerate(keys):
        index: str | int
        if isinstance(target, dict) and key in target:
            index = key
        elif isinstance(target, list) and key.isascii() and key.isdigit() and int(key) < len(target):
            index = int(key)
        else:
            raise RequestError(f"The map path '{path}' does not exist in 'operations'.")
        if depth == len(keys) - 1:
            if target[index] is not None:
                raise RequestError(f"The map path '{path}' must point at a null in 'operations'.")
            return target, index
        target = target[index]
    raise AssertionError("unreachable: str.split returns at least one key")


def _json_field(value: str, name: str) -> Any:
    try:
        return jsonbody.load(value)
    except jsonbody.TooDeep as error:
        raise RequestError(f"The '{name}' field: {error}") from None
    except ValueError:
        raise RequestError(f"The '{name}' field must be JSON.") from None


def read_operation(form: FormData, limits: MultipartLimits) -> GraphQLRequest:
    """The GraphQL request a parsed form carries, with its files in place of the mapped nulls."""
    items = form.multi_items()
    for name, value in items:
        if isinstance(value, UploadFile) and (value.size or 0) > limits.max_file_bytes:
            raise RequestError(
                f"The file in field '{name}' is over the limit of {limits.max_file_bytes} bytes.", TOO_LARGE, 413
            )
    names = [name for name, _ in items]
    for required in (OPERATIONS, MAP):
        if required not in names:
            raise RequestError(f"The multipart request has no '{required}' field.")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise RequestError(f"Each form field may appear once; repeated: {', '.join(repeated)}.")
    if names[:2] != [OPERATIONS, MAP]:
        raise RequestError("Send the 'operations' field first, then 'map', then the files.")
    operations_text, map_text = items[0][1], items[1][1]
    if not isinstance(operations_text, str) or not isinstance(map_text, str):
        raise RequestError("The 'operations' and 'map' fields must be text, not files.")
    operations = parse_operations(operations_text)
    files_map = parse_map(map_text)
    files = dict(items[2:])
    # Stricter than the spec, which lets servers ignore them: an unmapped file is a client bug
    # and would only cost us disk.
    unmapped = sorted(files.keys() - files_map.keys())
    if unmapped:
        raise RequestError(f"The 'map' does not mention the form fields: {', '.join(unmapped)}.")
    for name in files_map:
        if name not in files:
            raise RequestError(f"The 'map' names the file field '{name}', which the request does not carry.")
        if not isinstance(files[name], UploadFile):
            raise RequestError(f"The form field '{name}' must be a file.")
    place_files(operations, files_map, files)
    return parse_parameters(operations)


def _bounded(receive: Receive, max_bytes: int) -> Receive:
    received = 0

    async def bounded_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise _body_too_large(max_bytes)
        return message

    return bounded_receive


def _body_too_large(max_bytes: int) -> RequestError:
    return RequestError(f"The multipart request body is over the limit of {max_bytes} bytes.", TOO_LARGE, 413)


def _form_error(detail: str, limits: MultipartLimits) -> RequestError:
    """Starlette's form limits report themselves only in words; give each its own answer."""
    if detail.startswith("Too many files"):
        return RequestError(f"Send at most {limits.max_files} files per request.", TOO_LARGE, 413)
    if detail.startswith("Too many fields"):
        return RequestError("Besides files, send only the 'operations' and 'map' fields.")
    if detail.startswith("Part exceeded"):
        return RequestError(
            f"The 'operations' and 'map' fields may be at most {limits.max_field_bytes} bytes each.", TOO_LARGE, 413
        )
    return RequestError(f"The multipart body is malformed: {detail}")


async def _read_form(request: Request, limits: MultipartLimits) -> FormData:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise _body_too_large(limits.max_body_bytes)
    # Starlette bounds each text field and the number of parts, but not file sizes or the whole body.
    bounded: Request = Request(request.scope, _bounded(request.receive, limits.max_body_bytes))
    try:
        return await bounded.form(max_files=limits.max_files, max_fields=2, max_part_size=limits.max_field_bytes)
    except HTTPException as error:
        raise _form_error(str(error.detail), limits) from None


@contextlib.asynccontextmanager
async def read_multipart(request: Request, settings: Settings) -> AsyncIterator[GraphQLRequest]:
    """The request's operation with its files in place; the files close when the block ends."""
    require_preflight(request.headers)
    limits = MultipartLimits.from_settings(settings)
    form = await _read_form(request, limits)
    try:
        yield read_operation(form, limits)
    finally:
        await form.close()
