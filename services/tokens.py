"""Access tokens (short-lived JWTs) and refresh tokens (random, stored only as hashes)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import jwt

from settings import Settings

ALGORITHM = "HS256"
ACCESS = "access"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    family_id: str
    expires_at: int


class InvalidAccessToken(Exception):
    """The bearer token is malformed, forged or expired."""


def _secret(settings: Settings) -> str:
    if not settings.secret_key:
        raise RuntimeError("SHUTTER_SECRET_KEY is not set")
    return settings.secret_key


def issue_access_token(settings: Settings, user_id: int, family_id: str) -> tuple[str, int]:
    """A signed token for ``user_id`` and the unix time it expires."""
    now = int(time.time())
    expires_at = now + settings.access_token_ttl_seconds
    claims = {"sub": str(user_id), "sid": family_id, "iat": now, "exp": expires_at, "typ": ACCESS}
    return jwt.encode(claims, _secret(settings), algorithm=ALGORITHM), expires_at


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            _secret(settings),
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat", "sid"]},
        )
        if claims.get("typ") != ACCESS:
            raise InvalidAccessToken("not an access token")
        return AccessClaims(int(claims["sub"]), str(claims["sid"]), int(claims["exp"]))
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidAccessToken(str(exc)) from exc


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_family_id() -> str:
    return secrets.token_hex(16)


def hash_refresh_token(token: str) -> str:
    # The token has 256 bits of entropy, so a fast hash is enough; the database never sees it.
    return hashlib.sha256(token.encode()).hexdigest()
