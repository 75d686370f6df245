"""Access tokens are signed, expire, and carry the login's family; refresh tokens are hashed."""

from __future__ import annotations

import time

import jwt
import pytest

from services import tokens
from settings import Settings

SETTINGS = Settings(secret_key="k" * 48, access_token_ttl_seconds=60)


def test_round_trip() -> None:
    token, expires_at = tokens.issue_access_token(SETTINGS, 42, "fam")
    claims = tokens.decode_access_token(SETTINGS, token)
    assert (claims.user_id, claims.family_id) == (42, "fam")
    assert abs(expires_at - (time.time() + 60)) < 5


def test_forged_expired_and_foreign_tokens_are_refused() -> None:
    token, _ = tokens.issue_access_token(SETTINGS, 42, "fam")
    other = Settings(secret_key="o" * 48)
    with pytest.raises(tokens.InvalidAccessToken):
        tokens.decode_access_token(other, token)
    expired = jwt.encode({"sub": "42", "sid": "f", "iat": 1, "exp": 2, "typ": "access"}, "k" * 48, algorithm="HS256")
    with pytest.raises(tokens.InvalidAccessToken):
        tokens.decode_access_token(SETTINGS, expired)
    unsigned = jwt.encode({"sub": "42", "sid": "f", "iat": 1, "exp": 2**40, "typ": "access"}, "", algorithm="none")
    with pytest.raises(tokens.InvalidAccessToken):
        tokens.decode_access_token(SETTINGS, unsigned)
    wrong_kind = jwt.encode({"sub": "42", "sid": "f", "iat": 1, "exp": 2**40, "typ": "refresh"}, "k" * 48, "HS256")
    with pytest.raises(tokens.InvalidAccessToken):
        tokens.decode_access_token(SETTINGS, wrong_kind)
    with pytest.raises(tokens.InvalidAccessToken):
        tokens.decode_access_token(SETTINGS, "not.a.jwt")


def test_refresh_tokens_are_random_and_stored_hashed() -> None:
    first, second = tokens.new_refresh_token(), tokens.new_refresh_token()
    assert first != second and len(first) >= 40
    digest = tokens.hash_refresh_token(first)
    assert len(digest) == 64 and first not in digest
    assert digest == tokens.hash_refresh_token(first)
