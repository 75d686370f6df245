"""Content negotiation: which media type a GraphQL response goes out as, and when a browser gets GraphiQL."""

from __future__ import annotations

import pytest

from web.negotiation import GRAPHQL_RESPONSE, JSON, prefers_html, response_type

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (JSON, JSON),
        ("APPLICATION/JSON", JSON),
        (f"{JSON}; charset=utf-8", JSON),
        (f"  {GRAPHQL_RESPONSE}  ", GRAPHQL_RESPONSE),
    ],
)
def test_exact_types(accept: str, expected: str) -> None:
    assert response_type(accept) == expected


@pytest.mark.parametrize("accept", [None, "", "   "])
def test_no_preference_means_graphql_response(accept: str | None) -> None:
    assert response_type(accept) == GRAPHQL_RESPONSE


@pytest.mark.parametrize("accept", ["*/*", "application/*", "*/*;q=0.5", "application/*;q=0.1", BROWSER])
def test_wildcards_choose_graphql_response(accept: str) -> None:
    assert response_type(accept) == GRAPHQL_RESPONSE


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (f"{JSON};q=0.9, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.9, {JSON}", JSON),
        (f"{GRAPHQL_RESPONSE};q=0.1, {JSON};q=0.2", JSON),
        (f"{JSON}, */*;q=0.5", JSON),
        (f"*/*;q=0.5, {JSON}", JSON),
        (f"{JSON};q=0.5, application/*", GRAPHQL_RESPONSE),
        (f"text/plain, {JSON};q=0.01", JSON),
        (f"{GRAPHQL_RESPONSE};q=0, {JSON}", JSON),
        (f"{JSON};q=0, */*", GRAPHQL_RESPONSE),
    ],
)
def test_quality_values_decide(accept: str, expected: str) -> None:
    assert response_type(accept) == expected


@pytest.mark.parametrize(
    "accept",
    [
        f"{JSON}, {GRAPHQL_RESPONSE}",
        f"{GRAPHQL_RESPONSE}, {JSON}",
        f"{JSON};q=0.8, {GRAPHQL_RESPONSE};q=0.8",
        f"{JSON};q=0.8, text/plain, {GRAPHQL_RESPONSE};q=0.8",
    ],
)
def test_ties_prefer_graphql_response(accept: str) -> None:
    # RFC 9110 gives the order of equally weighted ranges no meaning, so the newer type wins.
    assert response_type(accept) == GRAPHQL_RESPONSE


@pytest.mark.parametrize(
    "accept",
    [
        "text/plain",
        "text/html",
        "application/xml",
        "image/*",
        f"{JSON};q=0",
        f"{GRAPHQL_RESPONSE};q=0, {JSON};q=0.0",
        "*/*;q=0",
        "garbage",
        "application",
        "application/json+graphql",
    ],
)
def test_nothing_acceptable_is_none(accept: str) -> None:
    assert response_type(accept) is None


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (f"{JSON};q=abc, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f";;;, {JSON}", JSON),
        (f",,{JSON},,", JSON),
        (f"{JSON};;q=0.5;;", JSON),
        (f"{JSON};foo=bar;q=1", JSON),
        ("\x00\x01, text/plain", None),
        (f"{JSON}; q=0.5 , text/plain", JSON),
    ],
    ids=["bad-q-then-good", "empty-ranges", "stray-commas", "stray-semicolons", "params", "nul", "spaces"],
)
def test_junk_around_a_good_range_is_ignored(accept: str, expected: str | None) -> None:
    assert response_type(accept) == expected


@pytest.mark.parametrize(
    "accept",
    [f"{JSON};q=abc", f"{JSON};q", f"{JSON};q=", f"{JSON};q=1;q=0", f"{JSON};=", "/", ";", ",", "*/", "/*", "a/b/c"],
)
def test_junk_headers_do_not_raise(accept: str) -> None:
    assert response_type(accept) in (None, GRAPHQL_RESPONSE, JSON)
    assert prefers_html(accept) is False


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "TEXT/HTML",
        BROWSER,
        f"text/html, {JSON}",
        f"text/html;q=0.9, {JSON};q=0.8",
    ],
)
def test_browsers_prefer_html(accept: str) -> None:
    assert prefers_html(accept) is True


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "*/*",
        JSON,
        GRAPHQL_RESPONSE,
        "text/plain",
        "text/html;q=0",
        f"text/html;q=0.5, {JSON}",
        f"{GRAPHQL_RESPONSE}, text/html;q=0.9",
        "garbage",
        "text/html;q=abc",
    ],
)
def test_api_clients_do_not_get_html(accept: str | None) -> None:
    assert prefers_html(accept) is False
