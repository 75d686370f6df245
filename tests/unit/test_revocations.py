"""Revoked sign-ins: kept for the token lifetime, refused by the request context at once."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import cast

import pytest

from schema.context import Context, in_process_context
from services import tokens
from services.errors import NotAuthenticated
from services.revocations import RevokedFamilies
from services.stores import Stores
from settings import Settings

SETTINGS = Settings(secret_key="k" * 48, access_token_ttl_seconds=60)


def test_families_are_kept_for_their_window_then_pruned() -> None:
    revoked = RevokedFamilies(keep_seconds=100)
    revoked.add(["a", "b"], now=0)
    revoked.add(["c"], now=50)
    assert "a" in revoked and "c" in revoked and "z" not in revoked
    revoked.prune(now=99)
    assert len(revoked) == 3
    revoked.prune(now=120)
    assert "a" not in revoked and "b" not in revoked and "c" in revoked
    revoked.add(["c"], now=140)  # revoked again: kept from the later time
    revoked.prune(now=200)
    assert "c" in revoked


def test_announcements_are_read() -> None:
    revoked = RevokedFamilies(keep_seconds=100)
    revoked.on_message(json.dumps({"families": ["f1", "f2"]}).encode())
    assert "f1" in revoked and "f2" in revoked
    with pytest.raises(KeyError):
        revoked.on_message(b'{"other": 1}')


def _context(family: str, revoked: RevokedFamilies | None) -> Context:
    token, _ = tokens.issue_access_token(SETTINGS, 7, family)
    stores = cast(Stores, SimpleNamespace(settings=SETTINGS))
    return in_process_context(stores, token, "r", revoked)


def test_a_token_of_a_revoked_family_is_refused() -> None:
    revoked = RevokedFamilies(keep_seconds=100)
    revoked.add(["gone"])
    with pytest.raises(NotAuthenticated, match="Sign in again"):
        _ = _context("gone", revoked).viewer_id
    assert _context("live", revoked).viewer_id == 7
    assert _context("gone", None).viewer_id == 7  # nothing to check against: in-process callers


def test_a_long_lived_connection_stops_at_the_next_operation_after_revocation() -> None:
    revoked = RevokedFamilies(keep_seconds=100)
    context = _context("fam", revoked)
    assert context.viewer_id == 7
    revoked.add(["fam"])
    context.reset_loaders()
    with pytest.raises(NotAuthenticated):
        _ = context.viewer_id
