"""Reading ahead: loader values in hand, selection sets, signed URLs reused, response encoding."""

from __future__ import annotations

import asyncio
import contextlib
import json

import strawberry
from strawberry.dataloader import DataLoader

from dataloaders.base import NOT_LOADED, peek, peek_many
from schema.selection import names_below
from storage.base import ObjectStore
from storage.urls import SignedUrls
from web.graphql_http import encode


async def test_peek_gives_only_values_already_loaded() -> None:
    release = asyncio.Event()

    async def load(keys: list[int]) -> list[int]:
        await release.wait()
        if 13 in keys:
            raise RuntimeError("unlucky")
        return [key * 10 for key in keys]

    loader = DataLoader(load_fn=load)
    assert peek(loader, 1) is NOT_LOADED  # never asked for
    pending = loader.load_many([1, 2])
    await asyncio.sleep(0)
    assert peek(loader, 1) is NOT_LOADED  # asked for, not there yet
    release.set()
    assert await pending == [10, 20]
    assert peek(loader, 2) == 20
    assert peek_many(loader, [2, 1]) == [20, 10]
    assert peek_many(loader, [1, 3]) is NOT_LOADED
    failing = loader.load(13)
    with contextlib.suppress(RuntimeError):
        await failing
    assert peek(loader, 13) is NOT_LOADED  # a failed load is left to the field to report


@strawberry.type
class Leaf:
    a: int = 1
    b: int = 2


@strawberry.type
class Node:
    leaf: Leaf = strawberry.field(default_factory=Leaf)
    c: int = 3


@strawberry.type
class Edge:
    node: Node = strawberry.field(default_factory=Node)


@strawberry.type
class Holder:
    edges: list[Edge] = strawberry.field(default_factory=lambda: [Edge()])


def test_names_below_spreads_fragments_and_ignores_aliases() -> None:
    seen: list[set[str]] = []

    @strawberry.type
    class Query:
        @strawberry.field
        def holder(self, info: strawberry.Info) -> Holder:
            seen.append(names_below(info.selected_fields, ("edges", "node")))
            return Holder()

    schema = strawberry.Schema(query=Query)
    document = """
      query { holder { edges { node { renamed: c ...More } ... on Edge { node { ... on Node { c } } } } } }
      fragment More on Node { leaf { a } }
    """
    result = schema.execute_sync(document)
    assert result.errors is None
    assert seen == [{"c", "leaf"}]


class CountingStore:
    """Signs URLs and counts how often; the only call SignedUrls makes."""

    def __init__(self) -> None:
        self.signed = 0

    async def presign_get(self, key: str, expires_in: int) -> str:
        self.signed += 1
        return f"https://media.example/{key}?n={self.signed}&ttl={expires_in}"


async def test_signed_urls_are_reused_while_at_least_half_their_life_remains() -> None:
    store = CountingStore()
    now = [1000.0]
    urls = SignedUrls(store, 300, max_entries=2, clock=lambda: now[0])  # type: ignore[arg-type]
    assert urls.cached("a") is None
    first = await urls.get("a")
    assert first.endswith("ttl=300")
    now[0] += 149
    assert urls.cached("a") == first
    assert await urls.get("a") == first
    assert store.signed == 1
    now[0] += 1  # half the lifetime is gone: a new URL from now on
    assert urls.cached("a") is None
    second = await urls.get("a")
    assert second != first and store.signed == 2
    await urls.get("b")
    await urls.get("c")  # over max_entries: the oldest entry goes
    assert urls.cached("a") is None and urls.cached("c") is not None
    assert isinstance(store, CountingStore) and not isinstance(store, ObjectStore)


def test_responses_are_compact_utf8_and_survive_lone_surrogates() -> None:
    assert encode({"data": {"caption": "café", "n": 1}}) == '{"data":{"caption":"café","n":1}}'.encode()
    body = encode({"errors": [{"message": "got '\ud800'"}]})
    assert json.loads(body) == {"errors": [{"message": "got '\ud800'"}]}
    body.decode("ascii")  # escaped, so any client can read it
