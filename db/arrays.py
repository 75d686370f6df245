"""Id lists sent as one array parameter.

`column.in_(values)` renders one placeholder per value, so every list length is a new SQL
text (rendered again on each execution, prepared again by the server). An array parameter
keeps the text fixed whatever the length: it is compiled once and stays prepared.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ARRAY, BigInteger, ColumnElement, bindparam, func
from sqlalchemy.orm import InstrumentedAttribute


def id_array(values: Collection[int], name: str | None = None) -> Any:
    """A bigint[] parameter holding `values`."""
    return bindparam(name, value=list(values), type_=ARRAY(BigInteger))


def id_array_param(name: str) -> Any:
    """A named bigint[] parameter whose value comes with each execution (for statements
    built once and run many times)."""
    return bindparam(name, type_=ARRAY(BigInteger))


def among(column: ColumnElement[int] | InstrumentedAttribute[int], values: Collection[int]) -> ColumnElement[bool]:
    """`column = ANY($ids)`: the array form of `column IN (...)` for bigint ids."""
    return column == func.any(id_array(values))
