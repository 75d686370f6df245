"""Path mapping and validation of GraphQL multipart requests, on in-memory forms."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import pytest
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from settings import Settings
from web.graphql_request import RequestError
from web.multipart import (
    MultipartLimits,
    _form_error,
    parse_map,
    parse_operations,
    place_files,
    read_operation,
    require_preflight,
)

LIMITS = MultipartLimits(max_files=3, max_file_bytes=10, max_field_bytes=1000)
UPLOAD = "mutation($file: Upload!) { readFile(file: $file) }"
FILE = object()
OTHER = object()


def upload(content: bytes = b"abc", filename: str = "a.txt") -> UploadFile:
    return UploadFile(io.BytesIO(content), size=len(content), filename=filename)


def form(*items: tuple[str, Any]) -> FormData:
    return FormData(list(items))


def single(variables: dict[str, Any] | None = None, files_map: dict[str, Any] | None = None) -> tuple[str, str]:
    operations = {"query": UPLOAD, "variables": variables if variables is not None else {"file": None}}
    return json.dumps(operations), json.dumps(files_map if files_map is not None else {"0": ["variables.file"]})


@contextlib.contextmanager
def raises(code: str = "BAD_REQUEST", status: int | None = None) -> Iterator[None]:
    """The block must raise a RequestError with this code and fixed status (None: by media type)."""
    with pytest.raises(RequestError) as info:
        yield
    assert (info.value.code, info.value.status) == (code, status), info.value.message
    assert info.value.message


# --- limits and CSRF ---------------------------------------------------------------------------


def test_limits_come_from_settings() -> None:
    settings = Settings(max_request_bytes=1000, multipart_upload_max_bytes=100, max_media_per_post=4)
    limits = MultipartLimits.from_settings(settings)
    assert limits == MultipartLimits(max_files=4, max_file_bytes=100, max_field_bytes=1000)
    assert limits.max_body_bytes == 1000 + 4 * 100


def test_default_body_bound_is_every_file_at_its_limit_plus_a_json_request() -> None:
    limits = MultipartLimits.from_settings(Settings())
    assert limits.max_file_bytes == 10 * 1024 * 1024
    assert limits.max_body_bytes == 1_000_000 + 20 * 10 * 1024 * 1024


@pytest.mark.parametrize(
    "header",
    [
        ("GraphQL-Require-Preflight", "1"),
        ("graphql-require-preflight", ""),
        ("Apollo-Require-Preflight", "true"),
        ("X-Apollo-Operation-Name", "Upload"),
    ],
)
def test_a_non_simple_header_passes_the_csrf_check(header: tuple[str, str]) -> None:
    require_preflight(Headers(raw=[(header[0].lower().encode(), header[1].encode())]))


@pytest.mark.parametrize(
    "headers",
    [{}, {"content-type": "multipart/form-data; boundary=x", "accept": "*/*", "origin": "https://evil.example"}],
)
def test_simple_requests_fail_the_csrf_check(headers: dict[str, str]) -> None:
    with raises("CSRF_PROTECTION", 400):
        require_preflight(Headers(headers))


# --- operations and map ------------------------------------------------------------------------


def test_operations_must_be_one_json_object() -> None:
    assert parse_operations('{"query": "{ a }"}') == {"query": "{ a }"}
    for text in ["{", "", "null", "7", '"{ a }"']:
        with raises():
            parse_operations(text)


def test_batched_operations_are_refused_by_name() -> None:
    with pytest.raises(RequestError, match="Batched operations are not supported") as info:
        parse_operations(json.dumps([{"query": UPLOAD}, {"query": UPLOAD}]))
    assert info.value.code == "BAD_REQUEST"


# Far deeper than Python's decoder can recurse; anything past jsonbody.MAX_DEPTH is refused too.
DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("parse", "name"), [(parse_operations, "'operations'"), (parse_map, "'map'")], ids=["operations", "map"]
)
@pytest.mark.parametrize(
    "text",
    [DEEP, '{"query": "{ a }", "variables": {"v": ' + DEEP + "}}", '{"0": ' + "[" * 65 + "]" * 65 + "}"],
    ids=["deep", "deep-inside", "just-past-the-bound"],
)
def test_deeply_nested_json_is_a_request_error(parse: Any, name: str, text: str) -> None:
    with pytest.raises(RequestError, match=name) as info:
        parse(text)
    assert (info.value.code, info.value.status) == ("BAD_REQUEST", None)
    assert "nested" in info.value.message


def test_map_is_field_names_to_lists_of_paths() -> None:
    text = '{"0": ["variables.file"], "1": ["variables.files.0", "variables.files.1"]}'
    assert parse_map(text) == {"0": ["variables.file"], "1": ["variables.files.0", "variables.files.1"]}
    assert parse_map("{}") == {}


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "null",
        '["variables.file"]',
        '{"0": "variables.file"}',
        '{"0": []}',
        '{"0": [1]}',
        '{"0": [null]}',
        '{"0": [["variables.file"]]}',
        '{"operations": ["variables.file"]}',
        '{"map": ["variables.file"]}',
    ],
)
def test_malformed_maps_are_refused(text: str) -> None:
    with raises():
        parse_map(text)


# --- placing files -----------------------------------------------------------------------------


def test_a_file_replaces_the_null_its_path_names() -> None:
    operations: dict[str, Any] = {"query": UPLOAD, "variables": {"file": None, "other": "kept"}}
    place_files(operations, {"0": ["variables.file"]}, {"0": FILE})
    assert operations["variables"] == {"file": FILE, "other": "kept"}


def test_paths_index_into_lists_and_nested_objects() -> None:
    operations: dict[str, Any] = {
        "variables": {"files": [None, None], "input": {"media": [{"file": None}], "1": None}},
    }
    place_files(
        operations,
        {"a": ["variables.files.1", "variables.input.media.0.file"], "b": ["variables.files.0", "variables.input.1"]},
        {"a": FILE, "b": OTHER},
    )
    assert operations["variables"] == {"files": [OTHER, FILE], "input": {"media": [{"file": FILE}], "1": OTHER}}


def test_one_file_may_fill_several_paths() -> None:
    operations: dict[str, Any] = {"variables": {"a": None, "b": None}}
    place_files(operations, {"0": ["variables.a", "variables.b"]}, {"0": FILE})
    assert operations["variables"]["a"] is operations["variables"]["b"] is FILE


@pytest.mark.parametrize(
    "path",
    [
        "variables.missing",
        "variables",
        "query",
        "operationName",
        "",
        "variables.",
        "variables.file.name",
        "variables.list.2",
        "variables.list.-1",
        "variables.list.first",
        "variables.list.²",
        "variables.list. 0",
        "variables.text",
        "variables.zero",
        "variables.false",
        "variables.empty",
        "variables.list",
        "variables.nested",
        "variables.nested.0",
    ],
)
def test_a_path_must_name_an_existing_null(path: str) -> None:
    operations: dict[str, Any] = {
        "query": UPLOAD,
        "operationName": "Upload",
        "variables": {
            "file": None,
            "list": [None, None],
            "text": "",
            "zero": 0,
            "false": False,
            "empty": {},
            "nested": {"0": 1},
        },
    }
    with raises():
        place_files(operations, {"0": [path]}, {"0": FILE})


def test_a_path_takes_only_one_file() -> None:
    operations: dict[str, Any] = {"variables": {"file": None}}
    with pytest.raises(RequestError, match="must point at a null"):
        place_files(operations, {"0": ["variables.file"], "1": ["variables.file"]}, {"0": FILE, "1": OTHER})
    with pytest.raises(RequestError, match="must point at a null"):
        place_files({"variables": {"file": None}}, {"0": ["variables.file", "variables.file"]}, {"0": FILE})


# --- whole forms -------------------------------------------------------------------------------


def test_a_form_becomes_the_graphql_request_with_the_upload_in_place() -> None:
    operations, files_map = single()
    file = upload()
    request = read_operation(form(("operations", operations), ("map", files_map), ("0", file)), LIMITS)
    assert request.query == UPLOAD
    assert request.variables == {"file": file}
    assert request.operation_name is None


def test_operation_name_and_extensions_come_through() -> None:
    operations = json.dumps(
        {"query": UPLOAD, "operationName": "Up", "variables": {"file": None}, "extensions": {"x": 1}}
    )
    file = upload()
    request = read_operation(
        form(("operations", operations), ("map", '{"0": ["variables.file"]}'), ("0", file)), LIMITS
    )
    assert (request.operation_name, request.extensions, request.variables) == ("Up", {"x": 1}, {"file": file})


def test_a_form_without_files_is_a_plain_request() -> None:
    operations = json.dumps({"query": "{ __typename }"})
    request = read_operation(form(("operations", operations), ("map", "{}")), LIMITS)
    assert request.query == "{ __typename }"
    assert request.variables is None


def test_a_file_at_the_limit_is_accepted_and_one_over_is_413() -> None:
    operations, files_map = single()
    read_operation(form(("operations", operations), ("map", files_map), ("0", upload(b"x" * 10))), LIMITS)
    with raises("PAYLOAD_TOO_LARGE", 413):
        read_operation(form(("operations", operations), ("map", files_map), ("0", upload(b"x" * 11))), LIMITS)


def test_an_unmapped_oversized_file_is_still_413() -> None:
    operations, files_map = single()
    items = (("operations", operations), ("map", files_map), ("0", upload()), ("9", upload(b"x" * 11)))
    with raises("PAYLOAD_TOO_LARGE", 413):
        read_operation(form(*items), LIMITS)


def _forms_with_errors() -> list[Any]:
    operations, files_map = single()
    batch = json.dumps([{"query": UPLOAD, "variables": {"file": None}}])
    return [
        pytest.param([("map", files_map), ("0", upload())], id="no-operations"),
        pytest.param([("operations", operations), ("0", upload())], id="no-map"),
        pytest.param([("map", files_map), ("operations", operations), ("0", upload())], id="map-first"),
        pytest.param([("operations", operations), ("0", upload()), ("map", files_map)], id="file-before-map"),
        pytest.param(
            [("operations", operations), ("operations", operations), ("map", files_map), ("0", upload())],
            id="operations-twice",
        ),
        pytest.param(
            [("operations", operations), ("map", files_map), ("0", upload()), ("0", upload())], id="file-twice"
        ),
        pytest.param([("operations", upload(b"{}")), ("map", files_map), ("0", upload())], id="operations-is-a-file"),
        pytest.param([("operations", operations), ("map", upload(b"{}")), ("0", upload())], id="map-is-a-file"),
        pytest.param([("operations", "{"), ("map", files_map), ("0", upload())], id="operations-not-json"),
        pytest.param([("operations", operations), ("map", "{"), ("0", upload())], id="map-not-json"),
        pytest.param([("operations", batch), ("map", '{"0": ["0.variables.file"]}'), ("0", upload())], id="batch"),
        pytest.param([("operations", operations), ("map", files_map)], id="mapped-file-missing"),
        pytest.param([("operations", operations), ("map", files_map), ("0", "text")], id="mapped-field-is-text"),
        pytest.param([("operations", operations), ("map", files_map), ("1", upload())], id="wrong-field-name"),
        pytest.param(
            [("operations", operations), ("map", files_map), ("0", upload()), ("1", upload())], id="unmapped-file"
        ),
        pytest.param(
            [("operations", operations), ("map", '{"0": ["variables.nope"]}'), ("0", upload())], id="bad-path"
        ),
        pytest.param(
            [("operations", json.dumps({"variables": {"file": None}})), ("map", files_map), ("0", upload())],
            id="no-query",
        ),
        pytest.param(
            [
                ("operations", json.dumps({"query": UPLOAD, "variables": None})),
                ("map", '{"0": ["variables"]}'),
                ("0", upload()),
            ],
            id="file-as-variables",
        ),
    ]


@pytest.mark.parametrize("items", _forms_with_errors())
def test_malformed_forms_are_request_errors(items: list[tuple[str, Any]]) -> None:
    with raises():
        read_operation(form(*items), LIMITS)


# --- Starlette's own form limits ---------------------------------------------------------------


async def _starlette_complaint(body: bytes, **limits: Any) -> str:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body
        yield b""

    headers = Headers({"content-type": "multipart/form-data; boundary=b"})
    parser = MultiPartParser(headers, stream(), **limits)
    with pytest.raises(MultiPartException) as info:
        await parser.parse()
    return info.value.message


def _part(name: str, content: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--b\r\ncontent-disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"


@pytest.mark.parametrize(
    ("body", "limits", "code", "status"),
    [
        (_part("0", b"a", "a") + _part("1", b"b", "b") + b"--b--\r\n", {"max_files": 1}, "PAYLOAD_TOO_LARGE", 413),
        (
            _part("operations", b"{}") + _part("map", b"{}") + _part("x", b"") + b"--b--\r\n",
            {"max_fields": 2},
            None,
            None,
        ),
        (_part("operations", b"x" * 11) + b"--b--\r\n", {"max_part_size": 10}, "PAYLOAD_TOO_LARGE", 413),
        (b"--b\r\nno-colon\r\n\r\n", {}, None, None),
    ],
    ids=["too-many-files", "too-many-fields", "field-too-large", "malformed"],
)
async def test_starlette_form_limits_map_to_request_errors(
    body: bytes, limits: dict[str, int], code: str | None, status: int | None
) -> None:
    error = _form_error(await _starlette_complaint(body, **limits), LIMITS)
    assert (error.code, error.status) == (code or "BAD_REQUEST", status)
    assert error.message
