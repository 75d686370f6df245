"""The back-off schedule of log-in attempts and what they are counted against."""

from __future__ import annotations

import pytest

from services import login_limits
from settings import Settings

SETTINGS = Settings(login_backoff_seconds=1.5, login_attempts_window_seconds=900)


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(0, 0.0), (2, 0.0), (3, 1.5), (4, 3.0), (5, 6.0), (11, 384.0), (12, 768.0), (13, 900.0), (10**6, 900.0)],
)
def test_the_wait_doubles_per_failure_past_the_threshold_up_to_the_window(failures: int, wait: float) -> None:
    assert login_limits.backoff_seconds(failures, 3, SETTINGS) == wait


def test_a_first_wait_longer_than_the_window_is_cut_to_it() -> None:
    settings = Settings(login_backoff_seconds=2000, login_attempts_window_seconds=900)

    assert login_limits.backoff_seconds(1, 1, settings) == 900.0


def test_an_account_is_counted_the_same_however_it_is_named() -> None:
    assert login_limits.subject(7, "alice") == login_limits.subject(7, "alice@example.com") == "user:7"
    unknown = login_limits.subject(None, "nobody" * 1000)
    assert unknown.startswith("name:") and len(unknown) < 64
    assert unknown != login_limits.subject(None, "somebody")
