"""Log-in limits follow whoever guesses: each (account, address) pair backs off after a few
failures, each address is capped across accounts, and no one can lock an account's owner out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from services.stores import Stores
from settings import Settings
from tests.e2e.addresses import api_from
from tests.e2e.client import PASSWORD, Api
from tests.e2e.conftest import LiveServer, live_server_with

LOG_IN = """mutation($login: String!, $password: String!) {
  logIn(input: {usernameOrEmail: $login, password: $password}) { accessToken errors { code } } }"""
REFUSED = {"accessToken": None, "errors": [{"code": "RATE_LIMITED"}]}
WRONG = {"accessToken": None, "errors": [{"code": "INVALID_CREDENTIALS"}]}

# The limits of the `guarded` server, small so that tests reach them quickly.
PER_PAIR = 3
PER_ACCOUNT = 6
PER_ADDRESS = 12
BACKOFF = 1.0


async def log_in(api: Api, login: str, password: str = PASSWORD) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.data(LOG_IN, {"login": login, "password": password}))["logIn"]
    return payload


def address(n: int) -> str:
    return f"127.0.0.{n}"


@pytest.fixture(scope="module")
def guarded(settings: Settings) -> Iterator[LiveServer]:
    with live_server_with(
        settings,
        login_attempts_per_account_address=PER_PAIR,
        login_attempts_per_account=PER_ACCOUNT,
        login_attempts_per_address=PER_ADDRESS,
        login_backoff_seconds=BACKOFF,
        login_attempts_window_seconds=900,
    ) as server:
        yield server


# --- per address, across accounts ---------------------------------------------------------


async def test_one_address_guessing_many_accounts_is_stopped(
    api: Api, live_server: LiveServer, settings: Settings
) -> None:
    await api.sign_up("alice")
    for attempt in range(settings.login_attempts_per_address):
        assert await log_in(api, f"nobody{attempt}", "wrong-password") == WRONG
    # The address is spent: even the right password for an account it never tried is refused.
    assert await log_in(api, "alice") == REFUSED
    # The limit is the address's, not alice's.
    async with api_from(live_server, address(2)) as elsewhere:
        assert (await log_in(elsewhere, "alice"))["errors"] == []


async def test_spraying_real_accounts_is_stopped_by_the_address_limit(guarded: LiveServer, stores: Stores) -> None:
    async with api_from(guarded, address(2)) as owners, api_from(guarded, address(3)) as sprayer:
        names = [f"user{n}" for n in range(PER_ADDRESS // 2)]
        for name in [*names, "zed"]:
            await owners.sign_up(name)
        # Two guesses per account stay under every per-account limit; only the address's is hit.
        for name in names * 2:
            assert await log_in(sprayer, name, "wrong-password") == WRONG

        assert await log_in(sprayer, "zed") == REFUSED
        assert (await log_in(owners, "zed"))["errors"] == []


# --- no lock-out of the owner -------------------------------------------------------------


async def test_failures_from_other_addresses_do_not_lock_the_owner_out(
    api: Api, live_server: LiveServer, settings: Settings
) -> None:
    await api.sign_up("alice")
    guesses = 20
    assert guesses > settings.login_attempts_per_account

    for n in range(2, 2 + guesses):
        async with api_from(live_server, address(n)) as attacker:
            assert await log_in(attacker, "alice", "wrong-password") == WRONG

    async with api_from(live_server, address(100)) as fresh:
        assert (await log_in(fresh, "alice"))["errors"] == []
    # Nor from the owner's usual address.
    assert (await log_in(api, "alice"))["errors"] == []


async def test_an_account_failing_from_many_addresses_backs_off_each_new_address_sooner(
    guarded: LiveServer, stores: Stores
) -> None:
    async with api_from(guarded, address(2)) as owner:
        await owner.sign_up("alice")
    for n in range(3, 3 + PER_ACCOUNT):
        async with api_from(guarded, address(n)) as attacker:
            assert await log_in(attacker, "alice", "wrong-password") == WRONG

    async with api_from(guarded, address(50)) as attacker:
        assert await log_in(attacker, "alice", "wrong-password") == WRONG
        # One failure is enough now: the next attempt waits, right password or not.
        assert await log_in(attacker, "alice") == REFUSED
    # An address that has not failed is still let in with the right password.
    async with api_from(guarded, address(51)) as fresh:
        assert (await log_in(fresh, "alice"))["errors"] == []


# --- back-off of one (account, address) pair -----------------------------------------------


async def test_a_pair_backs_off_after_failing_then_lets_the_right_password_in(
    guarded: LiveServer, stores: Stores
) -> None:
    async with api_from(guarded, address(2)) as api, api_from(guarded, address(3)) as elsewhere:
        await api.sign_up("alice")
        await api.sign_up("bob")
        for _ in range(PER_PAIR):
            assert await log_in(api, "alice", "wrong-password") == WRONG

        # During the wait the password is not even checked.
        assert await log_in(api, "alice") == REFUSED
        # Other accounts from this address, and this account from other addresses, go on.
        assert (await log_in(api, "bob"))["errors"] == []
        assert (await log_in(elsewhere, "alice"))["errors"] == []

        await asyncio.sleep(BACKOFF * 1.2)
        assert (await log_in(api, "alice"))["errors"] == []
        # The success forgot the failures: the pair has its whole allowance again.
        for _ in range(PER_PAIR - 1):
            assert await log_in(api, "alice", "wrong-password") == WRONG
        assert (await log_in(api, "alice"))["errors"] == []


async def test_each_further_failure_doubles_the_wait(guarded: LiveServer, stores: Stores) -> None:
    async with api_from(guarded, address(2)) as api:
        await api.sign_up("alice")
        for _ in range(PER_PAIR):
            assert await log_in(api, "alice", "wrong-password") == WRONG
        await asyncio.sleep(BACKOFF * 1.2)
        assert await log_in(api, "alice", "wrong-password") == WRONG

        # The first wait would be over by now; the second, twice as long, is not.
        await asyncio.sleep(BACKOFF * 1.2)
        assert await log_in(api, "alice") == REFUSED
        # Being refused did not lengthen it.
        await asyncio.sleep(BACKOFF)
        assert (await log_in(api, "alice"))["errors"] == []


async def test_parallel_guesses_cannot_slip_past_the_back_off(guarded: LiveServer, stores: Stores) -> None:
    async with api_from(guarded, address(2)) as api:
        await api.sign_up("alice")

        answers = await asyncio.gather(*(log_in(api, "alice", "wrong-password") for _ in range(2 * PER_PAIR)))

        assert sorted(answer["errors"][0]["code"] for answer in answers) == sorted(
            ["INVALID_CREDENTIALS"] * PER_PAIR + ["RATE_LIMITED"] * PER_PAIR
        )
