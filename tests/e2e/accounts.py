"""Shared steps for the account end-to-end tests: sign-up, log-in, refresh."""

from __future__ import annotations

from typing import Any

from tests.e2e.client import PASSWORD, Api

AUTH_FIELDS = "accessToken accessTokenExpiresAt refreshToken user { id username email } errors { code field message }"
SIGN_UP = f"mutation($input: SignUpInput!) {{ signUp(input: $input) {{ {AUTH_FIELDS} }} }}"
LOG_IN = f"mutation($input: LogInInput!) {{ logIn(input: $input) {{ {AUTH_FIELDS} }} }}"
REFRESH = f"mutation($input: RefreshTokenInput!) {{ refreshToken(input: $input) {{ {AUTH_FIELDS} }} }}"
LOG_OUT = "mutation($input: LogOutInput) { logOut(input: $input) { ok errors { code field } } }"
VIEWER = "{ viewer { id username email } }"


async def sign_up(api: Api, username: str, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
    email = f"{username}@example.com" if email is None else email
    data = await api.data(SIGN_UP, {"input": {"username": username, "email": email, "password": password}})
    payload: dict[str, Any] = data["signUp"]
    return payload


async def log_in(api: Api, login: str, password: str = PASSWORD) -> dict[str, Any]:
    data = await api.data(LOG_IN, {"input": {"usernameOrEmail": login, "password": password}})
    payload: dict[str, Any] = data["logIn"]
    return payload


async def refresh(api: Api, refresh_token: str) -> dict[str, Any]:
    data = await api.data(REFRESH, {"input": {"refreshToken": refresh_token}})
    payload: dict[str, Any] = data["refreshToken"]
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(error["code"], error["field"]) for error in payload["errors"]]


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


async def viewer_name(api: Api, token: str) -> str | None:
    viewer = (await api.data(VIEWER, token=token))["viewer"]
    return viewer["username"] if viewer else None
