"""Log-in attempts are limited per client address as well as per account."""

from __future__ import annotations

from settings import Settings
from tests.e2e.client import PASSWORD, Api

LOG_IN = """mutation($login: String!, $password: String!) {
  logIn(input: {usernameOrEmail: $login, password: $password}) { accessToken errors { code } } }"""


async def test_one_address_guessing_many_accounts_is_stopped(api: Api, settings: Settings) -> None:
    await api.sign_up("alice")
    for attempt in range(settings.login_attempts_per_address):
        data = await api.data(LOG_IN, {"login": f"nobody{attempt}", "password": "wrong-password"})
        assert data["logIn"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    # The address is spent: even the right password for a fresh account is refused.
    data = await api.data(LOG_IN, {"login": "alice", "password": PASSWORD})
    assert data["logIn"] == {"accessToken": None, "errors": [{"code": "RATE_LIMITED"}]}
