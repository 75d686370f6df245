"""What a query asks for below a field, read from its selection set (fragments included)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    """The fields of a selection set, with those of its fragments spread in."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def names_below(field: Iterable[Selection], path: Sequence[str]) -> set[str]:
    """Names of the fields selected at `path` (field names, not aliases) below `field` (a
    resolver's `info.selected_fields`). Directives are not evaluated: a field under @skip
    still counts, which is the safe side for a caller that loads ahead."""
    level = [child for node in _fields(field) for child in _fields(node.selections)]
    for name in path:
        level = [child for field in level if field.name == name for child in _fields(field.selections)]
    return {field.name for field in level}
