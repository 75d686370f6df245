"""A document's text is parsed and validated once, guards included, then served from cache."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from schema import CACHED_DOCUMENTS, build_schema
from settings import Settings


async def test_the_same_document_is_parsed_and_validated_once() -> None:
    schema = build_schema(Settings())
    document = "query CacheProbe { __typename }"
    # Strawberry's shared LRU caches (functools.lru_cache wrappers).
    parses: Any = _get_parse_cache(CACHED_DOCUMENTS)
    validations: Any = _get_validate_cache(CACHED_DOCUMENTS)
    await schema.execute(document)
    parse_hits, validate_hits = parses.cache_info().hits, validations.cache_info().hits
    for _ in range(3):
        result = await schema.execute(document)
        assert result.errors is None and result.data == {"__typename": "Query"}
    assert parses.cache_info().hits == parse_hits + 3
    assert validations.cache_info().hits == validate_hits + 3


async def test_cached_documents_still_meet_the_guards() -> None:
    schema = build_schema(Settings(max_query_depth=2))
    deep = "{ viewer { followers { edges { node { username } } } } }"
    for _ in range(2):
        result = await schema.execute(deep)
        assert result.errors and "exceeds maximum operation depth" in result.errors[0].message
