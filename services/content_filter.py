"""Words matched whole and in any case: the banned-words setting and each user's hidden words.

Python and PostgreSQL spell the same rule: a word counts where no letter, digit or underscore
touches it on either side, so "ass" is not found in "class".
"""

from __future__ import annotations

import functools
import re

from db import moderation as queries
from services.errors import DomainError, ErrorCode
from services.stores import Stores
from settings import Settings


def normalize(word: str) -> str:
    """How a word is stored and compared: trimmed, inner spaces collapsed, lower case."""
    return " ".join(word.split()).lower()


def postgres_pattern(word: str) -> str:
    """A PostgreSQL regular expression (for ``~*``) that finds ``word`` whole."""
    escaped = "".join(ch if ch.isalnum() or ch == " " else "\\" + ch for ch in word)
    return f"(^|[^[:alnum:]_]){escaped}($|[^[:alnum:]_])"


@functools.cache
def _matcher(words: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = sorted({normalize(w) for w in words} - {""})
    if not cleaned:
        return None
    alternatives = "|".join(re.escape(w) for w in cleaned)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def contains_any(text: str, words: tuple[str, ...]) -> bool:
    matcher = _matcher(words)
    return matcher is not None and matcher.search(" ".join(text.split())) is not None


def banned_words_problem(settings: Settings, text: str, field: str) -> DomainError | None:
    """BANNED_CONTENT when ``text`` holds a word of the banned-words setting."""
    if contains_any(text, settings.banned_words):
        return DomainError(ErrorCode.BANNED_CONTENT, "This uses words that are not allowed on Shutter.", field)
    return None


async def hidden_words(stores: Stores, user_id: int) -> list[str]:
    async with stores.sessions() as session:
        return await queries.hidden_words(session, user_id)


async def set_hidden_words(stores: Stores, user_id: int, words: list[str]) -> list[str]:
    """Replace the user's hidden words: comments on their posts holding one (whole, any case)
    are seen only by whoever wrote them. Returns the words as stored."""
    settings = stores.settings
    cleaned = sorted({normalize(w) for w in words} - {""})
    if len(cleaned) > settings.max_hidden_words:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {settings.max_hidden_words} hidden words.", "words")
    if any(len(w) > settings.hidden_word_max_length for w in cleaned):
        raise DomainError(
            ErrorCode.TOO_LONG, f"Each hidden word is at most {settings.hidden_word_max_length} characters.", "words"
        )
    if any(not w.isprintable() for w in cleaned):
        raise DomainError(ErrorCode.INVALID_INPUT, "Hidden words are printable text.", "words")
    async with stores.sessions.begin() as session:
        await queries.replace_hidden_words(session, user_id, {w: postgres_pattern(w) for w in cleaned})
    return cleaned
