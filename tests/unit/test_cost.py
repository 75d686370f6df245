"""The static cost of operations (schema/cost.py), worked out from documents alone."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_operation_ast, parse

from bench.feed import FEED_QUERY
from schema import build_schema
from schema.cost import Assessment, assess, unbounded_lists
from settings import Settings

SETTINGS = Settings(secret_key="unit")
SCHEMA = build_schema(SETTINGS)._schema

NESTED = (
    "{ viewer { following(first: 100) { edges { node { followers(first: 100) { edges { node { username } } } } } } } }"
)


def cost_of(query: str, variables: dict[str, Any] | None = None) -> Assessment:
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    return assess(SCHEMA, SETTINGS, document, operation, variables)


def test_every_list_of_objects_has_a_declared_bound() -> None:
    assert unbounded_lists(SCHEMA) == []


def test_the_feed_card_at_a_hundred_passes_and_two_nested_hundreds_do_not() -> None:
    assert cost_of(FEED_QUERY, {"first": 100}).cost <= SETTINGS.max_query_cost
    assert cost_of(NESTED).cost > SETTINGS.max_query_cost


def test_page_sizes_multiply_and_come_from_variables() -> None:
    query = "query($n: Int) { viewer { followers(first: $n) { edges { node { username followerCount } } } } }"
    small, large = cost_of(query, {"n": 10}).cost, cost_of(query, {"n": 20}).cost
    # viewer 2, the connection 10, edges 1, then per item: the item 1, node 1, followerCount 1.
    assert small == 2 + 10 + 1 + 10 * 3
    assert large - small == 10 * 3
    assert cost_of(query, {}).cost == cost_of(query, {"n": SETTINGS.default_page_size}).cost
    # Past the cap the list itself refuses; the cost is counted at the cap.
    assert cost_of(query, {"n": 10_000}).cost == cost_of(query, {"n": SETTINGS.max_page_size}).cost


def test_page_info_is_counted_once_and_scalars_cost_nothing() -> None:
    bare = cost_of("{ viewer { followers(first: 50) { edges { cursor } } } }").cost
    with_info = cost_of("{ viewer { followers(first: 50) { edges { cursor } pageInfo { hasNextPage } } } }").cost
    assert with_info == bare + 1
    assert cost_of("{ viewer { username fullName bio } }").cost == 2


def test_fragments_and_aliases_are_counted_where_they_are_spread() -> None:
    inline = cost_of(NESTED).cost
    spread = cost_of(
        "{ viewer { following(first: 100) { edges { node { ...People } } } } } "
        "fragment People on User { followers(first: 100) { edges { node { username } } } }"
    ).cost
    assert spread == inline
    aliased = cost_of("{ a: viewer { username } b: viewer { username } c: viewer { username } }").cost
    assert aliased == 3 * cost_of("{ viewer { username } }").cost


def test_an_abstract_type_costs_its_dearest_concrete_type() -> None:
    query = (
        'query { node(id: "x") { id ... on User { followers(first: 50) { edges { cursor } } } '
        "... on Post { likers(first: 10) { edges { cursor } } } } }"
    )
    # node 2, then the User branch: connection 10 + edges 1 + 50 items of 1 each.
    assert cost_of(query).cost == 2 + 10 + 1 + 50


def test_fragments_spread_into_each_other_cost_no_exponential_walk() -> None:
    chain = " ".join(f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}" for i in range(200))
    query = "{ viewer { ...F0 } } " + chain + " fragment F200 on User { followers(first: 1) { edges { cursor } } }"
    assert cost_of(query).cost > SETTINGS.max_query_cost


@pytest.mark.parametrize(
    ("query", "introspects"),
    [
        ("{ __schema { types { name } } }", True),
        ('{ __type(name: "User") { name } }', True),
        ("{ viewer { ... on User { __typename } } }", False),
    ],
)
def test_introspection_is_recognised(query: str, introspects: bool) -> None:
    assert cost_of(query).introspection is introspects
