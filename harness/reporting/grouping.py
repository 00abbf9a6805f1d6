"""The row columns a report can group by, and their short names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_origin

from harness import HarnessError
from harness.results.row import ResultRow

# Short names for the columns people group by.
GROUP_ALIASES = {"model": "model_name_or_path", "rules": "policy_hash", "rules_hash": "policy_hash"}
_SCALARS = (str, int, float, bool)


def groupable_columns() -> list[str]:
    """Row fields with one plain value per row: what rows can be grouped by."""
    return sorted(
        name
        for name, info in ResultRow.model_fields.items()
        if info.annotation in _SCALARS or get_origin(info.annotation) is Literal
    )


def group_columns(names: Sequence[str]) -> tuple[str, ...]:
    """Row fields for --group-by names (aliases resolved); an unknown name is bad input."""
    if not names:
        raise HarnessError("--group-by needs at least one column")
    columns = tuple(GROUP_ALIASES.get(name, name) for name in names)
    allowed = groupable_columns()
    for name, column in zip(names, columns):
        if column not in allowed:
            raise HarnessError(
                f"cannot group by {name!r}: choose from {', '.join(allowed)} "
                f"(or {', '.join(GROUP_ALIASES)})"
            )
    return tuple(dict.fromkeys(columns))
