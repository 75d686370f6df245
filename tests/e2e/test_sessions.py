"""Refresh-token rotation and log-out, through the live API."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.accounts import (
    LOG_OUT,
    VIEWER,
    codes,
    error_codes,
    log_in,
    refresh,
    viewer_name,
)
from tests.e2e.client import Api

# --- refresh tokens -----------------------------------------------------------------------


async def test_refresh_rotates_the_pair(api: Api) -> None:
    alice = await api.sign_up("alice")

    first = await refresh(api, alice.refresh_token)

    assert first["errors"] == []
    assert first["refreshToken"] not in (None, alice.refresh_token)
    assert first["user"]["id"] == alice.id
    assert await viewer_name(api, first["accessToken"]) == "alice"
    # The new refresh token works once too.
    second = await refresh(api, first["refreshToken"])
    assert second["errors"] == []
    assert second["refreshToken"] not in (alice.refresh_token, first["refreshToken"])


async def test_reusing_a_refresh_token_revokes_its_family(api: Api) -> None:
    alice = await api.sign_up("alice")
    rotated = await refresh(api, alice.refresh_token)
    assert rotated["errors"] == []

    reused = await refresh(api, alice.refresh_token)

    assert codes(reused) == [("TOKEN_REUSED", "refreshToken")]
    assert reused["accessToken"] is None
    assert reused["refreshToken"] is None
    # The token handed out by the honest rotation died with the family.
    newer = await refresh(api, rotated["refreshToken"])
    assert [error["code"] for error in newer["errors"]] in (["INVALID_TOKEN"], ["TOKEN_REUSED"])
    assert newer["refreshToken"] is None


async def test_a_rotated_token_works_only_once(api: Api) -> None:
    alice = await api.sign_up("alice")
    first = await refresh(api, alice.refresh_token)
    second = await refresh(api, first["refreshToken"])
    assert second["errors"] == []

    again = await refresh(api, first["refreshToken"])

    assert codes(again) == [("TOKEN_REUSED", "refreshToken")]
    latest = await refresh(api, second["refreshToken"])
    assert [error["code"] for error in latest["errors"]] in (["INVALID_TOKEN"], ["TOKEN_REUSED"])


@pytest.mark.parametrize("token", ["unknown-token", "", "x" * 43])
async def test_unknown_refresh_token_is_invalid(api: Api, token: str) -> None:
    await api.sign_up("alice")

    payload = await refresh(api, token)

    assert codes(payload) == [("INVALID_TOKEN", "refreshToken")]
    assert payload["accessToken"] is None
    assert payload["user"] is None


async def test_access_token_is_not_a_refresh_token(api: Api) -> None:
    alice = await api.sign_up("alice")

    assert codes(await refresh(api, alice.token)) == [("INVALID_TOKEN", "refreshToken")]


async def test_revoking_one_family_leaves_other_logins_alone(api: Api) -> None:
    alice = await api.sign_up("alice")
    other_login = await log_in(api, "alice")
    assert other_login["errors"] == []
    rotated = await refresh(api, alice.refresh_token)
    assert codes(await refresh(api, alice.refresh_token)) == [("TOKEN_REUSED", "refreshToken")]
    assert (await refresh(api, rotated["refreshToken"]))["errors"] != []

    still_working = await refresh(api, other_login["refreshToken"])

    assert still_working["errors"] == []
    assert await viewer_name(api, still_working["accessToken"]) == "alice"


async def test_refresh_tokens_belong_to_their_user(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")

    alice_pair = await refresh(api, alice.refresh_token)
    bob_pair = await refresh(api, bob.refresh_token)

    assert alice_pair["user"]["username"] == "alice"
    assert bob_pair["user"]["username"] == "bob"
    assert await viewer_name(api, bob_pair["accessToken"]) == "bob"


# --- log-out ------------------------------------------------------------------------------


async def test_log_out_needs_a_token(api: Api) -> None:
    alice = await api.sign_up("alice")

    body = await api.post(LOG_OUT)

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None
    # Nothing was ended.
    assert (await refresh(api, alice.refresh_token))["errors"] == []


async def test_log_out_ends_this_login_only(api: Api) -> None:
    alice = await api.sign_up("alice")
    other_login = await log_in(api, "alice")

    data = await api.data(LOG_OUT, token=alice.token)

    assert data["logOut"] == {"ok": True, "errors": []}
    assert codes(await refresh(api, alice.refresh_token)) == [("INVALID_TOKEN", "refreshToken")]
    assert (await refresh(api, other_login["refreshToken"]))["errors"] == []


async def _refused(api: Api, token: str) -> bool:
    """Whether the API turns the access token away; other processes hear of a revocation
    over Redis, so this waits a moment for that."""
    for _ in range(100):
        body = await api.post(VIEWER, token=token)
        if body.get("errors"):
            return error_codes(body) == ["UNAUTHENTICATED"] and body["data"] == {"viewer": None}
        await asyncio.sleep(0.02)
    return False


async def test_log_out_ends_the_access_token_at_once(api: Api) -> None:
    alice = await api.sign_up("alice")
    other_login = await log_in(api, "alice")
    assert await viewer_name(api, alice.token) == "alice"

    await api.data(LOG_OUT, token=alice.token)

    assert await _refused(api, alice.token)
    assert await viewer_name(api, other_login["accessToken"]) == "alice"
    await api.data(LOG_OUT, {"input": {"allDevices": True}}, token=other_login["accessToken"])
    assert await _refused(api, other_login["accessToken"])
    # Signing in again starts a new login that works.
    assert await viewer_name(api, (await log_in(api, "alice"))["accessToken"]) == "alice"


async def test_a_reused_refresh_token_ends_the_logins_access_tokens(api: Api) -> None:
    alice = await api.sign_up("alice")
    rotated = await refresh(api, alice.refresh_token)
    assert codes(await refresh(api, alice.refresh_token)) == [("TOKEN_REUSED", "refreshToken")]
    assert await _refused(api, rotated["accessToken"])
    assert await _refused(api, alice.token)


async def test_log_out_ends_rotated_tokens_of_the_login(api: Api) -> None:
    alice = await api.sign_up("alice")
    rotated = await refresh(api, alice.refresh_token)

    await api.data(LOG_OUT, token=rotated["accessToken"])

    assert codes(await refresh(api, rotated["refreshToken"])) == [("INVALID_TOKEN", "refreshToken")]


async def test_log_out_of_a_named_refresh_token(api: Api) -> None:
    alice = await api.sign_up("alice")
    other_login = await log_in(api, "alice")

    data = await api.data(LOG_OUT, {"input": {"refreshToken": other_login["refreshToken"]}}, token=alice.token)

    assert data["logOut"]["ok"] is True
    assert codes(await refresh(api, other_login["refreshToken"])) == [("INVALID_TOKEN", "refreshToken")]
    assert (await refresh(api, alice.refresh_token))["errors"] == []


async def test_log_out_cannot_end_another_users_login(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")

    await api.data(LOG_OUT, {"input": {"refreshToken": bob.refresh_token}}, token=alice.token)

    assert (await refresh(api, bob.refresh_token))["errors"] == []


async def test_log_out_of_all_devices(api: Api) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    logins = [await log_in(api, "alice") for _ in range(2)]
    rotated = await refresh(api, logins[0]["refreshToken"])

    data = await api.data(LOG_OUT, {"input": {"allDevices": True}}, token=alice.token)

    assert data["logOut"] == {"ok": True, "errors": []}
    for token in (alice.refresh_token, rotated["refreshToken"], logins[1]["refreshToken"]):
        assert codes(await refresh(api, token)) == [("INVALID_TOKEN", "refreshToken")]
    # Other accounts keep their logins, and alice can sign in again.
    assert (await refresh(api, bob.refresh_token))["errors"] == []
    assert (await log_in(api, "alice"))["errors"] == []
