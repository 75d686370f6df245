"""JSON from clients, read with a bound on nesting.

Python's decoder recurses once per level: a body nested thousands deep would raise
RecursionError (a plain-text 500), and one just under the interpreter's limit would still
break whatever walks the value next. Nothing a GraphQL client sends needs more than a few
dozen levels.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class TooDeep(ValueError):
    """The JSON nests deeper than MAX_DEPTH."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested more than {MAX_DEPTH} levels deep is not accepted.")


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` (decoded JSON) nests deeper than ``limit``; walks without recursion."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def load(text: str | bytes) -> Any:
    """Decode ``text``; raises ValueError when it is not JSON, TooDeep when it nests too deep."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep() from None
    if depth_exceeds(value):
        raise TooDeep()
    return value
