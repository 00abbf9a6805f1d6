"""A tiny query layer over the records (dict values) of a store or snapshot.

    store.query().where("city", "==", "Oslo").where("age >= 30").order_by("name").limit(10)

Conditions can be given as `where(field, op, value)` or as a string of `field op value`
conditions joined with `and`. In strings, values are numbers, `true`, `false`, `null`, or
strings in single or double quotes. Fields may be dotted paths into nested dicts
(`address.city`). A record that lacks a field never matches a condition on it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any

from .errors import QueryError

_MISSING: Any = object()

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda value, options: value in options,
    "contains": lambda value, item: item in value,
    "startswith": lambda value, prefix: isinstance(value, str) and value.startswith(prefix),
}


def get_field(record: Any, path: str) -> Any:
    """The value at a dotted path in a record, or `_MISSING`."""
    value = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


class Condition:
    __slots__ = ("field", "op", "value")

    def __init__(self, field: str, op: str, value: Any):
        if not isinstance(field, str) or not field:
            raise QueryError(f"bad field name {field!r}")
        if op not in OPERATORS:
            raise QueryError(f"unknown operator {op!r}; expected one of {', '.join(OPERATORS)}")
        self.field = field
        self.op = op
        self.value = value

    def matches(self, record: Any) -> bool:
        actual = get_field(record, self.field)
        if actual is _MISSING:
            return False
        try:
            return bool(OPERATORS[self.op](actual, self.value))
        except TypeError:  # comparing values of different kinds: no match
            return False

    def __eq__(self, other) -> bool:
        if not isinstance(other, Condition):
            return NotImplemented
        return (self.field, self.op, self.value) == (other.field, other.op, other.value)

    def __repr__(self) -> str:
        return f"Condition({self.field!r}, {self.op!r}, {self.value!r})"


# -- the condition language --------------------------------------------------------------------


def _tokenize(text: str) -> list[str]:
    return text.split()


def _literal(token: str) -> Any:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1]
    lowered = token.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if lowered in ("null", "none"):
        return None
    try:
        return int(token)
    except ValueError:
        pass
    try:
        return float(token)
    except ValueError:
        pass
    raise QueryError(f"cannot read value {token!r} (put strings in quotes)")


def parse_conditions(text: str) -> list[Condition]:
    """Parse `field op value [and field op value ...]`."""
    tokens = _tokenize(text)
    if not tokens:
        raise QueryError("empty condition")
    conditions = []
    position = 0
    while True:
        if position + 3 > len(tokens):
            raise QueryError(f"incomplete condition in {text!r}")
        field, op, value = tokens[position:position + 3]
        if op not in OPERATORS:
            raise QueryError(f"unknown operator {op!r} in {text!r}")
        conditions.append(Condition(field, op, _literal(value)))
        position += 3
        if position == len(tokens):
            return conditions
        if tokens[position].lower() != "and":
            raise QueryError(f"expected 'and' but found {tokens[position]!r} in {text!r}")
        position += 1


# -- queries -----------------------------------------------------------------------------------


def _sort_rows(rows: list[tuple[str, Any]], field: str) -> list[tuple[str, Any]]:
    """Sort by a field, records lacking it last; ties keep key order."""
    present = [row for row in rows if get_field(row[1], field) is not _MISSING]
    absent = [row for row in rows if get_field(row[1], field) is _MISSING]
    try:
        present.sort(key=lambda row: get_field(row[1], field))
    except TypeError:
        raise QueryError(f"cannot order by {field!r}: values of different kinds") from None
    return present + absent


class Query:
    """A lazily evaluated query; the builder methods change the query and return it."""

    def __init__(self, source):
        self._source = source
        self._conditions: list[Condition] = []
        self._prefix = ""
        self._order: str | None = None
        self._limit: int | None = None
        self._offset = 0
        self._fields: tuple[str, ...] | None = None

    def where(self, field: str, op: str | None = None, value: Any = _MISSING) -> Query:
        """Add conditions: `where("age", ">", 30)` or `where("age > 30 and city == 'Oslo'")`."""
        if op is None and value is _MISSING:
            self._conditions.extend(parse_conditions(field))
        elif op is None or value is _MISSING:
            raise QueryError("where() takes a condition string or a field, operator and value")
        else:
            self._conditions.append(Condition(field, op, value))
        return self

    def prefix(self, prefix: str) -> Query:
        """Only consider keys starting with `prefix` (`"user:"`)."""
        self._prefix = prefix
        return self

    def order_by(self, field: str) -> Query:
        """Sort by a field, ascending; records without the field come last."""
        self._order = field
        return self

    def limit(self, count: int) -> Query:
        if count < 0:
            raise QueryError("limit must not be negative")
        self._limit = count
        return self

    def offset(self, count: int) -> Query:
        if count < 0:
            raise QueryError("offset must not be negative")
        self._offset = count
        return self

    def page(self, number: int, size: int) -> Query:
        """Page `number` (from 1) of `size` results."""
        if number < 1 or size < 1:
            raise QueryError("page number and size start at 1")
        return self.offset((number - 1) * size).limit(size)

    def select(self, *fields: str) -> Query:
        """Return only these fields of each record (missing ones are left out)."""
        self._fields = fields or None
        return self

    # -- running ---------------------------------------------------------------------------

    def _matching(self) -> list[tuple[str, Any]]:
        return [(key, record) for key, record in self._source.items(self._prefix)
                if all(c.matches(record) for c in self._conditions)]

    def all(self) -> list[tuple[str, Any]]:
        """The matching `(key, record)` pairs."""
        rows = self._matching()
        if self._order is not None:
            rows = _sort_rows(rows, self._order)
        if self._limit is not None:
            rows = rows[:self._limit]
        if self._offset:
            rows = rows[self._offset:]
        if self._fields is not None:
            rows = [(key, _project(record, self._fields)) for key, record in rows]
        return rows

    def keys(self) -> list[str]:
        return [key for key, _ in self.all()]

    def values(self) -> list[Any]:
        return [record for _, record in self.all()]

    def first(self) -> tuple[str, Any] | None:
        rows = self.all()
        return rows[0] if rows else None

    def count(self) -> int:
        """How many records match the conditions (limit and offset aside)."""
        return len(self._matching())

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.all())

    def __repr__(self) -> str:
        return f"<Query {self._conditions!r} order={self._order!r}>"


def _project(record: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    projected = {}
    for path in fields:
        value = get_field(record, path)
        if value is not _MISSING:
            projected[path] = value
    return projected
