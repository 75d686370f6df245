"""Sign-up and log-in through the live API (token rotation and log-out: test_sessions.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from services.stores import Stores
from settings import Settings
from tests.e2e.accounts import (
    VIEWER,
    codes,
    error_codes,
    log_in,
    sign_up,
    viewer_name,
)
from tests.e2e.addresses import api_from
from tests.e2e.client import PASSWORD, Api
from tests.e2e.conftest import LiveServer, live_server_with

# --- sign-up and viewer -------------------------------------------------------------------


async def test_sign_up_returns_tokens_and_user(api: Api) -> None:
    payload = await sign_up(api, "alice")

    assert payload["errors"] == []
    assert payload["accessToken"]
    assert payload["refreshToken"]
    assert payload["accessTokenExpiresAt"] > time.time()
    assert payload["user"]["username"] == "alice"
    assert payload["user"]["id"]
    data = await api.data(VIEWER, token=payload["accessToken"])
    assert data["viewer"] == {"id": payload["user"]["id"], "username": "alice", "email": "alice@example.com"}


async def test_sign_up_normalises_username_and_email(api: Api) -> None:
    payload = await sign_up(api, "  Alice ", email=" Alice@Example.COM ")

    assert payload["errors"] == []
    assert payload["user"]["username"] == "alice"
    viewer = (await api.data(VIEWER, token=payload["accessToken"]))["viewer"]
    assert viewer["email"] == "alice@example.com"


async def test_viewer_is_null_without_a_token(api: Api) -> None:
    await sign_up(api, "alice")

    assert await api.data(VIEWER) == {"viewer": None}


async def test_email_is_hidden_from_others(api: Api) -> None:
    await api.sign_up("alice")
    bob = await api.sign_up("bob")

    query = '{ user(username: "alice") { username email } }'
    assert (await api.data(query, token=bob.token))["user"] == {"username": "alice", "email": None}
    assert (await api.data(query))["user"] == {"username": "alice", "email": None}


def _forged_signature(token: str) -> str:
    header, claims, signature = token.split(".")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    return f"{header}.{claims}.{flipped}"


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda token, secret: "garbage", id="garbage"),
        pytest.param(lambda token, secret: _forged_signature(token), id="changed-signature"),
        pytest.param(
            lambda token, secret: jwt.encode(jwt.decode(token, options={"verify_signature": False}), "x" * 32),
            id="other-key",
        ),
        pytest.param(
            lambda token, secret: jwt.encode(
                {**jwt.decode(token, secret, algorithms=["HS256"]), "exp": int(time.time()) - 60}, secret
            ),
            id="expired",
        ),
        pytest.param(
            lambda token, secret: jwt.encode(
                jwt.decode(token, options={"verify_signature": False}), "", algorithm="none"
            ),
            id="alg-none",
        ),
    ],
)
async def test_bad_access_token_is_unauthenticated(api: Api, settings: Settings, make_token: Any) -> None:
    alice = await api.sign_up("alice")
    token = make_token(alice.token, settings.secret_key)
    assert token != alice.token

    body = await api.post(VIEWER, token=token)

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["path"] == ["viewer"]
    assert body["data"] == {"viewer": None}


# --- sign-up errors -----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["alice", "Alice", "ALICE", " alice "])
async def test_sign_up_username_taken(api: Api, username: str) -> None:
    await api.sign_up("alice")

    payload = await sign_up(api, username, email="other@example.com")

    assert codes(payload) == [("USERNAME_TAKEN", "username")]
    assert payload["accessToken"] is None
    assert payload["refreshToken"] is None
    assert payload["user"] is None


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.com", " Alice@EXAMPLE.COM"])
async def test_sign_up_email_taken(api: Api, email: str) -> None:
    await api.sign_up("alice")

    payload = await sign_up(api, "alice2", email=email)

    assert codes(payload) == [("EMAIL_TAKEN", "email")]
    assert payload["user"] is None
    # Nothing of the failed sign-up was kept.
    assert codes(await log_in(api, "alice2")) == [("INVALID_CREDENTIALS", "password")]


async def test_sign_up_username_and_email_taken_are_reported_together(api: Api) -> None:
    await api.sign_up("alice")

    payload = await sign_up(api, "alice")

    assert codes(payload) == [("USERNAME_TAKEN", "username"), ("EMAIL_TAKEN", "email")]
    assert payload["user"] is None


TAKEN_ANSWERS = 3  # taken_checks_per_address_per_hour of the `few_taken_answers` server


@pytest.fixture(scope="module")
def few_taken_answers(settings: Settings) -> Iterator[LiveServer]:
    with live_server_with(settings, taken_checks_per_address_per_hour=TAKEN_ANSWERS) as server:
        yield server


async def test_sign_up_tells_an_address_only_so_often_what_is_taken(
    few_taken_answers: LiveServer, stores: Stores
) -> None:
    async with api_from(few_taken_answers, "127.0.0.2") as prober, api_from(few_taken_answers, "127.0.0.3") as other:
        await other.sign_up("alice")
        probes = [("alice", "new1@example.com"), ("new2", "alice@example.com"), ("alice", "new3@example.com")]
        assert len(probes) == TAKEN_ANSWERS
        for username, email in probes:
            assert codes(await sign_up(prober, username, email=email))[0][0] in ("USERNAME_TAKEN", "EMAIL_TAKEN")

        limited = await sign_up(prober, "alice", email="new4@example.com")
        assert codes(limited) == [("RATE_LIMITED", None)]
        assert limited["user"] is None
        assert limited["accessToken"] is None
        # A free name is refused as well: otherwise RATE_LIMITED itself would mean "taken".
        assert codes(await sign_up(prober, "carol")) == [("RATE_LIMITED", None)]
        # Input problems are still reported: they reveal nothing about other accounts.
        assert codes(await sign_up(prober, "carol", email="nope")) == [("INVALID_EMAIL", "email")]
        # The limit is the address's: another address is still told, and can sign up.
        assert codes(await sign_up(other, "alice", email="new5@example.com")) == [("USERNAME_TAKEN", "username")]
        assert (await sign_up(other, "carol"))["errors"] == []


@pytest.mark.parametrize(
    "username",
    ["a" * 31, "a b", "ALICE!", "alice!", ".alice", "alice.", "al..ice", "", "   ", "al-ice", "ålice", "al@ice"],
)
async def test_sign_up_invalid_username(api: Api, username: str) -> None:
    payload = await sign_up(api, username, email="someone@example.com")

    assert codes(payload) == [("INVALID_USERNAME", "username")]
    assert payload["user"] is None
    assert payload["accessToken"] is None


@pytest.mark.parametrize("username", ["a", "a" * 30, "al.ice", "_alice_", "alice_2024"])
async def test_sign_up_accepts_valid_usernames(api: Api, username: str) -> None:
    payload = await sign_up(api, username, email="someone@example.com")

    assert payload["errors"] == []
    assert payload["user"]["username"] == username


@pytest.mark.parametrize(
    "email", ["not-an-email", "alice@example", "alice example@x.com", "@example.com", "a@b@c.d", ""]
)
async def test_sign_up_invalid_email(api: Api, email: str) -> None:
    payload = await sign_up(api, "alice", email=email)

    assert codes(payload) == [("INVALID_EMAIL", "email")]
    assert payload["user"] is None


@pytest.mark.parametrize("password", ["short", "1234567", "", "aaaaaaaaaaaa", "alice"])
async def test_sign_up_weak_password(api: Api, password: str) -> None:
    payload = await sign_up(api, "alice", password=password)

    assert codes(payload) == [("WEAK_PASSWORD", "password")]
    assert payload["user"] is None


async def test_sign_up_reports_every_problem_at_once(api: Api) -> None:
    payload = await sign_up(api, "a b", email="nope", password="x")

    assert sorted(codes(payload)) == [
        ("INVALID_EMAIL", "email"),
        ("INVALID_USERNAME", "username"),
        ("WEAK_PASSWORD", "password"),
    ]
    assert all(error["message"] for error in payload["errors"])
    assert payload["user"] is None


async def test_failed_sign_up_stores_nothing(api: Api) -> None:
    failed = await sign_up(api, "carol", password="short")
    assert codes(failed) == [("WEAK_PASSWORD", "password")]

    assert codes(await log_in(api, "carol", "short")) == [("INVALID_CREDENTIALS", "password")]
    assert codes(await log_in(api, "carol@example.com", "short")) == [("INVALID_CREDENTIALS", "password")]
    assert await api.data('{ user(username: "carol") { id } }') == {"user": None}
    # The name and the email are still free.
    assert (await sign_up(api, "carol"))["errors"] == []


# --- log-in -------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["alice", "ALICE", " Alice ", "alice@example.com", "Alice@Example.COM"])
async def test_log_in_by_username_or_email(api: Api, login: str) -> None:
    alice = await api.sign_up("alice")

    payload = await log_in(api, login)

    assert payload["errors"] == []
    assert payload["user"]["id"] == alice.id
    assert payload["refreshToken"] not in (None, alice.refresh_token)
    assert await viewer_name(api, payload["accessToken"]) == "alice"


async def test_wrong_password_and_unknown_user_look_the_same(api: Api) -> None:
    await api.sign_up("alice")

    wrong_password = await log_in(api, "alice", "not-the-password")
    unknown_user = await log_in(api, "nobody", PASSWORD)
    unknown_email = await log_in(api, "nobody@example.com", PASSWORD)

    assert codes(wrong_password) == [("INVALID_CREDENTIALS", "password")]
    assert wrong_password["errors"] == unknown_user["errors"] == unknown_email["errors"]
    for payload in (wrong_password, unknown_user, unknown_email):
        assert payload["accessToken"] is None
        assert payload["refreshToken"] is None
        assert payload["user"] is None


async def test_log_in_backs_off_per_account_and_address(api: Api, live_server: LiveServer, settings: Settings) -> None:
    await api.sign_up("alice")
    await api.sign_up("bob")

    for _ in range(settings.login_attempts_per_account_address):
        assert codes(await log_in(api, "alice", "not-the-password")) == [("INVALID_CREDENTIALS", "password")]
    limited = await log_in(api, "alice", PASSWORD)

    assert [error["code"] for error in limited["errors"]] == ["RATE_LIMITED"]
    assert limited["accessToken"] is None
    assert limited["user"] is None
    # Another account from the same address is not affected, nor alice from another address.
    assert (await log_in(api, "bob"))["errors"] == []
    async with api_from(live_server, "127.0.0.2") as elsewhere:
        assert (await log_in(elsewhere, "alice"))["errors"] == []


async def test_successful_log_in_resets_the_attempt_count(api: Api, settings: Settings) -> None:
    await api.sign_up("alice")
    below_the_limit = settings.login_attempts_per_account_address - 1
    # Without the reset, the failures on both sides of the success would add up to a back-off.
    assert 2 * below_the_limit >= settings.login_attempts_per_account_address

    for _ in range(below_the_limit):
        assert codes(await log_in(api, "alice", "not-the-password")) == [("INVALID_CREDENTIALS", "password")]
    assert (await log_in(api, "alice"))["errors"] == []
    for _ in range(below_the_limit):
        assert codes(await log_in(api, "alice", "not-the-password")) == [("INVALID_CREDENTIALS", "password")]

    assert (await log_in(api, "alice"))["errors"] == []


async def test_rate_limit_counts_every_way_of_naming_the_account(api: Api, settings: Settings) -> None:
    await api.sign_up("alice")
    names = ["alice", "alice@example.com"]

    for attempt in range(settings.login_attempts_per_account_address):
        login = names[attempt % len(names)]
        assert codes(await log_in(api, login, "not-the-password")) == [("INVALID_CREDENTIALS", "password")]
    limited = await log_in(api, "alice", PASSWORD)

    assert [error["code"] for error in limited["errors"]] == ["RATE_LIMITED"]
    assert limited["accessToken"] is None


# --- authentication required ----------------------------------------------------------------

AUTHENTICATED_MUTATIONS = {
    "updateProfile": 'mutation { updateProfile(input: {bio: "hi"}) { user { bio } errors { code } } }',
    "follow": "mutation($id: ID!) { follow(userId: $id) { status errors { code } } }",
    "unfollow": "mutation($id: ID!) { unfollow(userId: $id) { status errors { code } } }",
    "block": "mutation($id: ID!) { block(userId: $id) { user { id } errors { code } } }",
    "logOut": "mutation { logOut { ok errors { code } } }",
}


@pytest.mark.parametrize("field", list(AUTHENTICATED_MUTATIONS))
@pytest.mark.parametrize("token", [None, "garbage"], ids=["anonymous", "bad-token"])
async def test_mutations_need_authentication(api: Api, field: str, token: str | None) -> None:
    alice = await api.sign_up("alice")

    body = await api.post(
        AUTHENTICATED_MUTATIONS[field], {"id": alice.id} if "$id" in AUTHENTICATED_MUTATIONS[field] else None, token
    )

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["path"] == [field]
    # The payload is non-null, so the error nulls the whole result.
    assert body["data"] is None
    # Nothing happened.
    profile = await api.data('{ user(username: "alice") { bio followerCount } }')
    assert profile["user"] == {"bio": "", "followerCount": 0}
