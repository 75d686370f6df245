"""GraphQL multipart requests over real HTTP, against a throwaway schema with Upload arguments.

A tiny schema of its own is mounted on the same transport, so the transport is tested apart from uploadMedia.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartParser
from starlette.middleware import Middleware
from starlette.routing import Route
from strawberry.file_uploads import Upload

from devstack import free_port
from schema import ShutterSchema
from schema.extensions import ErrorShaping
from settings import Settings
from web.graphql_http import GraphQLHTTP
from web.middleware import RequestId

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
BOTH_MEDIA = pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
PREFLIGHT = {"graphql-require-preflight": "1"}
BOUNDARY = "shutter-test-boundary"

# Shrunk so the limits are cheap to cross: the body bound is 100_000 bytes plus 3 files of 64 KiB.
FILE_LIMIT = 64 * 1024
MAX_FILES = 3
FIELD_LIMIT = 100_000
BODY_LIMIT = FIELD_LIMIT + MAX_FILES * FILE_LIMIT

READ_FILE = "mutation($file: Upload!) { readFile(file: $file) }"
READ_FILES = "mutation($files: [Upload!]!) { readFiles(files: $files) }"
READ_TWO = "mutation($a: Upload!, $b: Upload!) { a: readFile(file: $a) b: readFile(file: $b) }"


# Every upload a resolver saw, so a test can check it was closed after the response.
SEEN: list[UploadFile] = []


async def _describe(file: Upload) -> str:
    assert isinstance(file, UploadFile)
    SEEN.append(file)
    await file.seek(0)  # the same upload may fill several arguments
    content = await file.read()
    return f"{file.filename}:{len(content)}:{hashlib.sha256(content).hexdigest()}"


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def read_file(self, file: Upload) -> str:
        return await _describe(file)

    @strawberry.mutation
    async def read_files(self, files: list[Upload]) -> list[str]:
        return [await _describe(file) for file in files]


def described(filename: str, content: bytes) -> str:
    return f"{filename}:{len(content)}:{hashlib.sha256(content).hexdigest()}"


def create_upload_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        # The handler reads `stores.settings`, and `stores.redis` only for a persisted query
        # (none is sent here); this schema touches no store.
        yield {"stores": SimpleNamespace(settings=settings, redis=None)}

    # ErrorShaping gives request errors the codes the product schema gives them.
    schema = ShutterSchema(query=Query, mutation=Mutation, extensions=[ErrorShaping])
    routes = [Route("/graphql", GraphQLHTTP(schema).handle, methods=["GET", "POST"])]
    return Starlette(routes=routes, middleware=[Middleware(RequestId)], lifespan=lifespan)


@pytest.fixture(scope="module")
def upload_server() -> Iterator[str]:
    settings = Settings(
        multipart_upload_max_bytes=FILE_LIMIT, max_media_per_post=MAX_FILES, max_request_bytes=FIELD_LIMIT
    )
    port = free_port()
    config = uvicorn.Config(
        create_upload_app(settings), host="127.0.0.1", port=port, lifespan="on", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="upload-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the upload server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
async def http(upload_server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=upload_server, timeout=30) as client:
        yield client


# --- building requests -------------------------------------------------------------------------


@dataclass
class Part:
    name: str
    content: bytes
    filename: str | bytes | None = None  # bytes: sent exactly as given, whatever the encoding

    def encode(self) -> bytes:
        disposition = b'form-data; name="' + self.name.encode() + b'"'
        if self.filename is not None:
            raw = self.filename if isinstance(self.filename, bytes) else self.filename.encode()
            disposition += b'; filename="' + raw + b'"'
        kind = b"application/octet-stream" if self.filename is not None else b"text/plain; charset=utf-8"
        head = b"--" + BOUNDARY.encode() + b"\r\ncontent-disposition: " + disposition + b"\r\ncontent-type: " + kind
        return head + b"\r\n\r\n" + self.content + b"\r\n"


def fields(operations: Any, files_map: Any) -> list[Part]:
    """The `operations` and `map` parts; strings are sent as they are, anything else as JSON."""
    return [
        Part("operations", (operations if isinstance(operations, str) else json.dumps(operations)).encode()),
        Part("map", (files_map if isinstance(files_map, str) else json.dumps(files_map)).encode()),
    ]


def encode(parts: list[Part]) -> bytes:
    return b"".join(part.encode() for part in parts) + b"--" + BOUNDARY.encode() + b"--\r\n"


async def send(
    http: httpx.AsyncClient,
    parts: list[Part],
    *,
    accept: str = GRAPHQL_RESPONSE,
    headers: dict[str, str] | None = None,
    chunked: bool = False,
) -> httpx.Response:
    body = encode(parts)
    sent_headers = {
        "accept": accept,
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
        **(PREFLIGHT if headers is None else headers),
    }
    if not chunked:
        return await http.post("/graphql", content=body, headers=sent_headers)

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    return await http.post("/graphql", content=stream(), headers=sent_headers)


def read_file(content: bytes, filename: str | bytes = "a.bin") -> list[Part]:
    return [
        *fields({"query": READ_FILE, "variables": {"file": None}}, {"0": ["variables.file"]}),
        Part("0", content, filename),
    ]


def media_of(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip().lower()


def assert_data(response: httpx.Response, accept: str = GRAPHQL_RESPONSE) -> Any:
    assert response.status_code == 200, response.text
    assert media_of(response) == accept
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def assert_refused(response: httpx.Response, status: int, code: str, accept: str = GRAPHQL_RESPONSE) -> str:
    """A refusal before execution: the status, no data, one error with this code; its message."""
    assert response.status_code == status, response.text
    assert media_of(response) == accept
    body = response.json()
    assert "data" not in body, body
    assert [error["extensions"]["code"] for error in body["errors"]] == [code], body
    message: str = body["errors"][0]["message"]
    assert message
    return message


def assert_request_error(response: httpx.Response, accept: str, code: str = "BAD_REQUEST") -> str:
    """400 with graphql-response+json, 200 with application/json, as for JSON requests."""
    return assert_refused(response, 400 if accept == GRAPHQL_RESPONSE else 200, code, accept)


# --- uploads that work -------------------------------------------------------------------------


@BOTH_MEDIA
async def test_single_file(http: httpx.AsyncClient, accept: str) -> None:
    content = bytes(range(256)) * 10
    data = assert_data(await send(http, read_file(content, "photo.jpg"), accept=accept), accept)
    assert data == {"readFile": described("photo.jpg", content)}


async def test_multiple_files_in_a_list(http: httpx.AsyncClient) -> None:
    contents = [b"first", b"second" * 1000, b""]
    parts = fields(
        {"query": READ_FILES, "variables": {"files": [None, None, None]}},
        {"a": ["variables.files.0"], "b": ["variables.files.1"], "c": ["variables.files.2"]},
    )
    parts += [Part(name, content, f"{name}.txt") for name, content in zip("abc", contents, strict=True)]
    data = assert_data(await send(http, parts))
    assert data == {"readFiles": [described(f"{n}.txt", c) for n, c in zip("abc", contents, strict=True)]}


async def test_one_file_mapped_to_two_paths(http: httpx.AsyncClient) -> None:
    content = b"shared" * 100
    parts = fields({"query": READ_TWO, "variables": {"a": None, "b": None}}, {"0": ["variables.a", "variables.b"]})
    data = assert_data(await send(http, [*parts, Part("0", content, "same.bin")]))
    assert data == {"a": described("same.bin", content), "b": described("same.bin", content)}


async def test_files_need_not_be_in_map_order(http: httpx.AsyncClient) -> None:
    parts = fields(
        {"query": READ_FILES, "variables": {"files": [None, None]}},
        {"x": ["variables.files.1"], "y": ["variables.files.0"]},
    )
    data = assert_data(await send(http, [*parts, Part("y", b"y", "y"), Part("x", b"x", "x")]))
    assert data == {"readFiles": [described("y", b"y"), described("x", b"x")]}


@pytest.mark.parametrize(
    ("sent", "received"),
    [
        ("写真 Zoë.jpg", "写真 Zoë.jpg"),
        ("Zoë.jpg".encode("latin-1"), "Zoë.jpg"),
        (b"\xff\xfe\x80.bin", "\xff\xfe\x80.bin"),
        (b"", ""),
    ],
    ids=["utf8", "latin1", "invalid-utf8", "empty"],
)
async def test_filenames_in_any_encoding_are_served(http: httpx.AsyncClient, sent: str | bytes, received: str) -> None:
    # Names that are not UTF-8 are read as Latin-1 rather than refused: every byte string decodes.
    response = await send(http, read_file(b"data", sent))
    assert assert_data(response) == {"readFile": described(received, b"data")}


@pytest.mark.parametrize("header", ["GraphQL-Require-Preflight", "Apollo-Require-Preflight", "X-Apollo-Operation-Name"])
async def test_each_preflight_header_is_enough(http: httpx.AsyncClient, header: str) -> None:
    response = await send(http, read_file(b"ok"), headers={header: ""})
    assert assert_data(response) == {"readFile": described("a.bin", b"ok")}


async def test_operations_without_files(http: httpx.AsyncClient) -> None:
    assert assert_data(await send(http, fields({"query": "{ ping }"}, {}))) == {"ping": "pong"}


async def test_json_requests_need_no_preflight_header(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ ping }"}, headers={"accept": GRAPHQL_RESPONSE})
    assert assert_data(response) == {"ping": "pong"}


async def test_an_argument_must_still_be_an_upload(http: httpx.AsyncClient) -> None:
    # Nothing mapped: the null reaches a non-null argument, which is a variable coercion error.
    response = await send(http, fields({"query": READ_FILE, "variables": {"file": None}}, {}))
    assert_request_error(response, GRAPHQL_RESPONSE, "BAD_USER_INPUT")


# --- CSRF --------------------------------------------------------------------------------------


@BOTH_MEDIA
async def test_missing_preflight_header_is_csrf_protection(http: httpx.AsyncClient, accept: str) -> None:
    response = await send(http, read_file(b"data"), accept=accept, headers={"origin": "https://elsewhere.example"})
    message = assert_refused(response, 400, "CSRF_PROTECTION", accept)
    assert "GraphQL-Require-Preflight" in message


# --- request errors ----------------------------------------------------------------------------

OPERATIONS = {"query": READ_FILE, "variables": {"file": None}}
MAP = {"0": ["variables.file"]}
FILE = Part("0", b"data", "a.bin")

BAD = "BAD_REQUEST"
# Far deeper than Python's decoder can recurse: once a plain-text 500.
DEEP = "[" * 5000 + "]" * 5000
DEEP_VARIABLES = '{"query": "' + READ_FILE + '", "variables": {"file": null, "deep": ' + DEEP + "}}"
MALFORMED: list[Any] = [
    pytest.param([*fields("{", MAP), FILE], BAD, "'operations'", id="operations-not-json"),
    pytest.param([*fields("", MAP), FILE], BAD, "'operations'", id="operations-empty"),
    pytest.param([*fields("null", MAP), FILE], BAD, "'operations'", id="operations-null"),
    pytest.param([*fields(DEEP, MAP), FILE], BAD, "'operations'", id="operations-too-deep"),
    pytest.param([*fields(DEEP_VARIABLES, MAP), FILE], BAD, "'operations'", id="variables-too-deep"),
    pytest.param([*fields(OPERATIONS, DEEP), FILE], BAD, "'map'", id="map-too-deep"),
    pytest.param([*fields(OPERATIONS, "{"), FILE], BAD, "'map'", id="map-not-json"),
    pytest.param([*fields(OPERATIONS, ["variables.file"]), FILE], BAD, "'map'", id="map-list"),
    pytest.param([*fields(OPERATIONS, {"0": "variables.file"}), FILE], BAD, "'map'", id="map-path-not-list"),
    pytest.param([*fields(OPERATIONS, {"0": [7]}), FILE], BAD, "'map'", id="map-path-not-string"),
    pytest.param([*fields(OPERATIONS, {"0": ["variables.nope"]}), FILE], BAD, "variables.nope", id="path-missing"),
    pytest.param([*fields(OPERATIONS, {"0": ["query"]}), FILE], BAD, "'query'", id="path-not-null"),
    pytest.param([*fields(OPERATIONS, {"0": ["variables.file.0"]}), FILE], BAD, "variables.file.0", id="path-too-deep"),
    pytest.param(
        [*fields(OPERATIONS, {"0": ["variables.file"], "1": ["variables.file"]}), FILE, Part("1", b"", "b")],
        BAD,
        "null",
        id="path-twice",
    ),
    pytest.param(fields(OPERATIONS, MAP), BAD, "'0'", id="file-part-missing"),
    pytest.param([*fields(OPERATIONS, MAP), Part("1", b"data", "a.bin")], BAD, "1", id="file-part-misnamed"),
    pytest.param([*fields(OPERATIONS, MAP), FILE, Part("extra", b"", "x")], BAD, "extra", id="unmapped-file"),
    pytest.param([*fields(OPERATIONS, MAP), Part("0", b"data")], BAD, "only", id="file-part-is-text"),
    pytest.param([fields(OPERATIONS, MAP)[1], FILE], BAD, "'operations'", id="no-operations"),
    pytest.param([fields(OPERATIONS, MAP)[0], FILE], BAD, "'map'", id="no-map"),
    pytest.param([*reversed(fields(OPERATIONS, MAP)), FILE], BAD, "first", id="map-before-operations"),
    pytest.param([fields(OPERATIONS, MAP)[0], FILE, fields(OPERATIONS, MAP)[1]], BAD, "first", id="file-before-map"),
    pytest.param([*fields({"variables": {"file": None}}, MAP), FILE], BAD, "'query'", id="no-query"),
    pytest.param(
        [*fields({"query": "mutation {", "variables": {"file": None}}, MAP), FILE],
        "GRAPHQL_PARSE_FAILED",
        None,
        id="query-does-not-parse",
    ),
]


@BOTH_MEDIA
@pytest.mark.parametrize(("parts", "code", "mentions"), MALFORMED)
async def test_malformed_requests_are_request_errors(
    http: httpx.AsyncClient, accept: str, parts: list[Part], code: str, mentions: str | None
) -> None:
    message = assert_request_error(await send(http, parts, accept=accept), accept, code)
    if mentions:
        assert mentions in message, message


@BOTH_MEDIA
async def test_batches_are_refused_with_a_clear_message(http: httpx.AsyncClient, accept: str) -> None:
    operations = [{"query": READ_FILE, "variables": {"file": None}}, {"query": READ_FILE, "variables": {"file": None}}]
    parts = [*fields(operations, {"0": ["0.variables.file"], "1": ["1.variables.file"]})]
    parts += [Part("0", b"a", "a"), Part("1", b"b", "b")]
    message = assert_request_error(await send(http, parts, accept=accept), accept)
    assert "Batched operations are not supported" in message


@BOTH_MEDIA
@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=other"],
    ids=["no-boundary", "wrong-boundary"],
)
async def test_unreadable_multipart_bodies_are_request_errors(
    http: httpx.AsyncClient, accept: str, content_type: str
) -> None:
    headers = {"accept": accept, "content-type": content_type, **PREFLIGHT}
    response = await http.post("/graphql", content=encode(read_file(b"data")), headers=headers)
    assert_request_error(response, accept)


# --- limits ------------------------------------------------------------------------------------


async def test_a_file_at_the_limit_is_served(http: httpx.AsyncClient) -> None:
    content = b"x" * FILE_LIMIT
    assert assert_data(await send(http, read_file(content))) == {"readFile": described("a.bin", content)}


@BOTH_MEDIA
async def test_a_file_over_the_limit_is_413(http: httpx.AsyncClient, accept: str) -> None:
    response = await send(http, read_file(b"x" * (FILE_LIMIT + 1)), accept=accept)
    message = assert_refused(response, 413, "PAYLOAD_TOO_LARGE", accept)
    assert str(FILE_LIMIT) in message


async def test_every_file_at_the_limit_fits_the_body_bound(http: httpx.AsyncClient) -> None:
    contents = [bytes([n]) * FILE_LIMIT for n in range(MAX_FILES)]
    names = [str(n) for n in range(MAX_FILES)]
    parts = fields(
        {"query": READ_FILES, "variables": {"files": [None] * MAX_FILES}},
        {name: [f"variables.files.{name}"] for name in names},
    )
    parts += [Part(name, content, name) for name, content in zip(names, contents, strict=True)]
    data = assert_data(await send(http, parts))
    assert data == {"readFiles": [described(n, c) for n, c in zip(names, contents, strict=True)]}


async def test_too_many_files_is_413(http: httpx.AsyncClient) -> None:
    count = MAX_FILES + 1
    parts = fields(
        {"query": READ_FILES, "variables": {"files": [None] * count}},
        {str(n): [f"variables.files.{n}"] for n in range(count)},
    )
    parts += [Part(str(n), b"x", str(n)) for n in range(count)]
    message = assert_refused(await send(http, parts), 413, "PAYLOAD_TOO_LARGE")
    assert str(MAX_FILES) in message


async def test_an_operations_field_over_the_limit_is_413(http: httpx.AsyncClient) -> None:
    operations = {"query": READ_FILE + " " * FIELD_LIMIT, "variables": {"file": None}}
    response = await send(http, [*fields(operations, MAP), FILE])
    assert_refused(response, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_over_the_bound_is_413_before_it_is_all_read(http: httpx.AsyncClient, chunked: bool) -> None:
    # With the declared length the request is refused unread; without, once the bound is crossed.
    response = await send(http, read_file(b"x" * BODY_LIMIT), chunked=chunked)
    message = assert_refused(response, 413, "PAYLOAD_TOO_LARGE")
    assert str(BODY_LIMIT) in message


# --- resources ---------------------------------------------------------------------------------


async def test_uploads_are_closed_after_every_request(http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # Spool every file to disk, where an unclosed one leaks a descriptor and warns when collected.
    monkeypatch.setattr(MultiPartParser, "spool_max_size", 16)
    SEEN.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        content = b"x" * 1000
        assert_data(await send(http, read_file(content)))
        assert_request_error(await send(http, [*read_file(content), Part("extra", content, "x")]), GRAPHQL_RESPONSE)
        assert_refused(await send(http, read_file(b"x" * (FILE_LIMIT + 1))), 413, "PAYLOAD_TOO_LARGE")
        assert_refused(await send(http, read_file(b"x" * BODY_LIMIT), chunked=True), 413, "PAYLOAD_TOO_LARGE")
        gc.collect()
    assert SEEN
    assert all(file.file.closed for file in SEEN)
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
