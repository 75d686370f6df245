"""Hashtags and mentions parsed from captions."""

from __future__ import annotations

from services import captions


def test_hashtags_are_distinct_lowercased_and_in_order() -> None:
    text = "Sunset over #Lisbon #lisbon #golden_hour, #写真 and #2024 but not a#b or ##x"
    assert captions.hashtags(text) == ["lisbon", "golden_hour", "写真"]


def test_mentions_follow_username_rules() -> None:
    text = "with @Alice, @bob.smith. and @carol_1 (again @alice); not me@example.com"
    assert captions.mentions(text) == ["alice", "bob.smith", "carol_1"]


def test_nothing_to_find() -> None:
    assert captions.hashtags("plain words") == []
    assert captions.mentions("") == []
