"""Connections that end with their sign-in: RevokedFamilies.watch, without I/O."""

from __future__ import annotations

import functools
import json
import logging

import pytest

from services.revocations import RevokedFamilies


def test_a_watcher_is_called_once_when_its_family_is_revoked() -> None:
    revoked = RevokedFamilies(keep_seconds=100)
    calls: list[str] = []
    revoked.watch("fam", lambda: calls.append("fam"))
    revoked.watch("other", lambda: calls.append("other"))
    assert revoked.watched == 2
    revoked.add(["fam"])
    assert calls == ["fam"]
    revoked.add(["fam"])  # revoked again (the record read once more): ended already
    assert calls == ["fam"]
    assert revoked.watched == 1


def test_an_announcement_ends_the_watchers_of_each_family() -> None:
    revoked = RevokedFamilies(keep_seconds=100)
    calls: list[str] = []
    for family in ("a", "a", "b"):
        revoked.watch(family, functools.partial(calls.append, family))
    revoked.on_message(json.dumps({"families": ["a", "b"]}).encode())
    assert sorted(calls) == ["a", "a", "b"]
    assert revoked.watched == 0


def test_a_watcher_that_stopped_is_not_called() -> None:
    revoked = RevokedFamilies(keep_seconds=100)
    calls: list[str] = []
    unwatch = revoked.watch("fam", lambda: calls.append("fam"))
    unwatch()
    unwatch()  # twice is harmless: a socket may close for several reasons at once
    assert revoked.watched == 0
    revoked.add(["fam"])
    assert calls == []


def test_watching_a_family_revoked_already_ends_at_once() -> None:
    revoked = RevokedFamilies(keep_seconds=100)
    revoked.add(["gone"])
    calls: list[str] = []
    revoked.watch("gone", lambda: calls.append("gone"))()
    assert calls == ["gone"]
    assert revoked.watched == 0


def test_one_failing_watcher_does_not_keep_the_others_open(caplog: pytest.LogCaptureFixture) -> None:
    revoked = RevokedFamilies(keep_seconds=100)
    calls: list[str] = []

    def broken() -> None:
        raise RuntimeError("socket gone")

    revoked.watch("fam", broken)
    revoked.watch("fam", lambda: calls.append("second"))
    with caplog.at_level(logging.WARNING, logger="services.revocations"):
        revoked.add(["fam"])
    assert calls == ["second"]
    assert "did not end" in caplog.text
