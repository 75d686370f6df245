"""How log-in attempts are throttled, and the Redis keys that count them.

The limits follow whoever guesses, never the account alone, so nobody can lock a victim out:
each (account, client address) pair backs off progressively after a few failures, each
address has a cap across every account it tries, and an account failing from many addresses
only makes further failing addresses back off sooner.
"""

from __future__ import annotations

import hashlib
import math

from services import ratelimit
from services.errors import DomainError, ErrorCode
from services.stores import Stores
from settings import Settings

WAIT_PREFIX = "login:wait:"
# Stands in for the client address where the server does not know it (in-process calls).
UNKNOWN_ADDRESS = "-"


def subject(user_id: int | None, login: str) -> str:
    """What log-in attempts are counted against: the account however it is named (username
    or email), or for unknown names a digest of what was typed, so keys stay small."""
    if user_id is not None:
        return f"user:{user_id}"
    return f"name:{hashlib.sha256(login.encode()).hexdigest()[:32]}"


def backoff_seconds(failures: int, threshold: int, settings: Settings) -> float:
    """How long a pair waits after ``failures`` failed attempts: not at all below
    ``threshold``, then login_backoff_seconds doubling per further failure, up to the window."""
    if failures < threshold:
        return 0.0
    cap = float(settings.login_attempts_window_seconds)
    doublings = failures - threshold
    # Compared as exponents, so no failure count can overflow a float.
    if doublings >= math.log2(cap / settings.login_backoff_seconds):
        return cap
    return float(settings.login_backoff_seconds * 2**doublings)


def _pair(account: str, client_address: str | None) -> str:
    return f"{account}:{client_address or UNKNOWN_ADDRESS}"


def _refused() -> DomainError:
    return DomainError(ErrorCode.RATE_LIMITED, "Too many login attempts. Try again later.")


async def admit(stores: Stores, account: str, client_address: str | None) -> None:
    """Count one attempt to log in to ``account`` that is about to check a password, or
    raise RATE_LIMITED without counting it as a failure of the pair."""
    settings, redis = stores.settings, stores.redis
    window = settings.login_attempts_window_seconds
    pair = _pair(account, client_address)
    # Checked before anything is counted: asking again during a wait does not lengthen it.
    if await redis.exists(WAIT_PREFIX + pair):
        raise _refused()
    # An unknown address cannot be told from others, so only the pair limit covers it.
    address_key = f"login:address:{client_address}"
    if client_address and await ratelimit.hit(redis, address_key, window) > settings.login_attempts_per_address:
        raise _refused()
    # Many addresses failing at one account is a distributed guess: each further address
    # then backs off from its first failure. An address that has not failed is still let in.
    spread = await ratelimit.hit(redis, f"login:account:{account}", window) > settings.login_attempts_per_account
    threshold = 1 if spread else settings.login_attempts_per_account_address
    # Counted before the password is checked, so parallel guesses cannot slip past the count;
    # a success forgets it again.
    failures = await ratelimit.hit(redis, f"login:pair:{pair}", window)
    wait = backoff_seconds(failures, threshold, settings)
    # The wait starts with this attempt, and only one attempt can start it: others sent at
    # the same moment are refused rather than checked too.
    if wait and not await redis.set(WAIT_PREFIX + pair, 1, px=math.ceil(wait * 1000), nx=True):
        raise _refused()


async def forget(stores: Stores, account: str, client_address: str | None) -> None:
    """After a successful log-in: the pair and the account start afresh."""
    pair = _pair(account, client_address)
    # One round trip for the three keys.
    await stores.redis.delete(
        ratelimit.PREFIX + f"login:pair:{pair}", ratelimit.PREFIX + f"login:account:{account}", WAIT_PREFIX + pair
    )
