"""What a caption or comment says beyond its text: hashtags and mentions."""

from __future__ import annotations

import re

# A hashtag is '#' then letters, digits or '_' (any script), not preceded by a word character
# (so "a#b" and URLs' fragments are not tags). A mention follows the username rules.
HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})")
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._]{1,30})")


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def hashtags(text: str) -> list[str]:
    """Distinct hashtags in order of first use, lowercased, without '#'."""
    return _unique([tag.lower() for tag in HASHTAG.findall(text) if not tag.isdigit()])


def mentions(text: str) -> list[str]:
    """Distinct mentioned usernames in order of first use, lowercased, without '@'."""
    return _unique([name.lower().rstrip(".") for name in MENTION.findall(text) if name.strip(".")])
