"""Read-only, point-in-time views of a store's committed data.

Taking a snapshot is O(1): the snapshot shares the store's dictionary, and the store copies
that dictionary before its next change to committed data (copy-on-write). Snapshots never see
changes that are still pending in an open transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import KeyNotFound

_MISSING: Any = object()


class Snapshot:
    __slots__ = ("_data", "version", "label")

    def __init__(self, data: dict[str, Any], version: int, label: str | None = None):
        self._data = data
        self.version = version
        self.label = label

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise KeyNotFound(key) from None

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self._data if k.startswith(prefix))

    def items(self, prefix: str = "") -> list[tuple[str, Any]]:
        return [(k, self._data[k]) for k in self.keys(prefix)]

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def diff(self, other: Snapshot) -> dict[str, tuple[Any, Any]]:
        """Keys whose value differs from `other`, as `key: (value here, value there)`.

        A key missing on one side is reported with None on that side.
        """
        changes = {}
        for key in sorted(set(self._data) | set(other._data)):
            mine = self._data.get(key, _MISSING)
            theirs = other._data.get(key, _MISSING)
            if mine is _MISSING or theirs is _MISSING or mine != theirs:
                changes[key] = (None if mine is _MISSING else mine,
                                None if theirs is _MISSING else theirs)
        return changes

    def query(self):
        from .query import Query

        return Query(self)

    def __repr__(self) -> str:
        label = f" {self.label!r}" if self.label else ""
        return f"<Snapshot{label} v{self.version}: {len(self._data)} keys>"
