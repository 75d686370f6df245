"""schema.graphql at the repository root is the printed schema: regenerate with `make schema`."""

from __future__ import annotations

from pathlib import Path

from schema import build_schema
from settings import Settings

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_exported_sdl_matches_the_code() -> None:
    printed = build_schema(Settings()).as_str() + "\n"
    assert SDL.read_text() == printed, "schema.graphql is stale: run `make schema`"


def test_the_contract_names_clients_rely_on_are_there() -> None:
    sdl = SDL.read_text()
    for name in (
        "interface Node",
        "signUp(input: SignUpInput!): AuthPayload!",
        "logIn(input: LogInInput!): AuthPayload!",
        "follow(userId: ID!): FollowPayload!",
        "viewerIsFollowing: Boolean!",
        "followers(first: Int = null, after: String = null): UserConnection!",
        "hasNextPage: Boolean!",
        "code: ErrorCode!",
    ):
        assert name in sdl
