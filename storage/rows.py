"""Rows to records: the one mapping from a row to a feature's model dataclass.

Columns named like the model's fields are copied, converted by the field's type (ISO 8601 text
to ``datetime`` or ``date``, integers to ``bool``); fields stored differently are given by the
caller. Every repository maps its rows with it, so none writes the field list out again.
"""

from __future__ import annotations

import dataclasses
import types
from datetime import date, datetime
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from storage.database import Row

T = TypeVar("T")


_FIELDS: dict[type[Any], tuple[tuple[str, Any], ...]] = {}


def _fields(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    found = _FIELDS.get(cls)
    if found is None:
        hints = get_type_hints(cls)
        found = tuple((field.name, hints[field.name]) for field in dataclasses.fields(cls))
        _FIELDS[cls] = found
    return found


def _convert(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    if get_origin(hint) in (Union, types.UnionType):
        inner = [arg for arg in get_args(hint) if arg is not type(None)]
        hint = inner[0] if len(inner) == 1 else hint
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    if hint is bool:
        return bool(value)
    return value


def from_row(cls: type[T], row: Row, **given: Any) -> T:
    """Build a ``cls`` dataclass from a row: same-named columns, converted; ``given`` wins."""
    columns = set(row.keys())
    values = dict(given)
    for name, hint in _fields(cls):
        if name not in values and name in columns:
            values[name] = _convert(row[name], hint)
    return cls(**values)
