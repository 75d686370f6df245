"""A small GraphQL client for the end-to-end tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

GRAPHQL_RESPONSE = "application/graphql-response+json"
PASSWORD = "correct-horse-battery"


@dataclass
class Account:
    id: str
    username: str
    token: str
    refresh_token: str


class GraphQLFailure(AssertionError):
    pass


class Api:
    def __init__(self, http: httpx.AsyncClient, ws_url: str) -> None:
        self.http = http
        self.ws_url = ws_url

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The whole response body of a POST; asserts HTTP 200."""
        headers = {"accept": GRAPHQL_RESPONSE}
        if token:
            headers["authorization"] = f"Bearer {token}"
        response = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        """``data`` of a response that must carry no top-level errors."""
        body = await self.post(query, variables, token)
        if body.get("errors"):
            raise GraphQLFailure(body["errors"])
        return body["data"]

    async def sign_up(self, username: str, *, private: bool = False) -> Account:
        data = await self.data(
            """mutation($input: SignUpInput!) { signUp(input: $input) {
                accessToken refreshToken user { id username } errors { code field message } } }""",
            {"input": {"username": username, "email": f"{username}@example.com", "password": PASSWORD}},
        )
        payload = data["signUp"]
        assert payload["errors"] == [], payload["errors"]
        account = Account(payload["user"]["id"], username, payload["accessToken"], payload["refreshToken"])
        if private:
            await self.data(
                "mutation { updateProfile(input: {isPrivate: true}) { errors { code } } }", token=account.token
            )
        return account
