"""The `Store`: committed data, the transaction stack and snapshots."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .errors import KeyNotFound, TransactionError
from .snapshot import Snapshot
from .transaction import DELETED, MISSING, TransactionStack

_NO_DEFAULT: Any = object()


def _check_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"keys must be strings, not {type(key).__name__}")
    if not key:
        raise ValueError("keys must not be empty")
    return key


class Store:
    """An in-memory key-value store.

    Outside a transaction every write is committed at once. Inside one (`begin()` or
    `with store.transaction():`) writes are pending until the outermost transaction commits,
    and are visible to reads on this store but not to snapshots.
    """

    def __init__(self, data: Mapping[str, Any] | None = None):
        self._data: dict[str, Any] = {}
        self._shared = False  # True while a snapshot shares self._data
        self._version = 0
        self._tx = TransactionStack(self)
        for key, value in (data or {}).items():
            self._data[_check_key(key)] = value

    # -- reading -------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """How many changes have been committed; snapshots remember the version they saw."""
        return self._version

    def _lookup(self, key: str) -> Any:
        if self._tx.active:
            pending = self._tx.top.lookup(key)
            if pending is DELETED:
                return MISSING
            if pending is not MISSING:
                return pending
        return self._data.get(key, MISSING)

    def get(self, key: str, default: Any = None) -> Any:
        value = self._lookup(_check_key(key))
        return default if value is MISSING else value

    def __getitem__(self, key: str) -> Any:
        value = self._lookup(_check_key(key))
        if value is MISSING:
            raise KeyNotFound(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not MISSING

    def keys(self, prefix: str = "") -> list[str]:
        """The keys, sorted, optionally only those starting with `prefix`."""
        keys = set(self._data)
        if self._tx.active:
            layer = self._tx.top
            keys |= set(layer.writes)
            keys -= layer.deleted
        return sorted(k for k in keys if k.startswith(prefix))

    def items(self, prefix: str = "") -> list[tuple[str, Any]]:
        return [(key, self._lookup(key)) for key in self.keys(prefix)]

    def values(self, prefix: str = "") -> list[Any]:
        return [value for _, value in self.items(prefix)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def to_dict(self) -> dict[str, Any]:
        return dict(self.items())

    # -- writing -------------------------------------------------------------------------

    def set(self, key: str, value: Any) -> None:
        _check_key(key)
        if self._tx.active:
            self._tx.top.record_set(key, value)
        else:
            self._apply({key: value}, ())

    def __setitem__(self, key: str, value: Any) -> None:
        self.set(key, value)

    def delete(self, key: str) -> None:
        if self._lookup(_check_key(key)) is MISSING:
            raise KeyNotFound(key)
        if self._tx.active:
            self._tx.top.record_delete(key)
        else:
            self._apply({}, (key,))

    def __delitem__(self, key: str) -> None:
        self.delete(key)

    def pop(self, key: str, default: Any = _NO_DEFAULT) -> Any:
        value = self._lookup(_check_key(key))
        if value is MISSING:
            if default is _NO_DEFAULT:
                raise KeyNotFound(key)
            return default
        self.delete(key)
        return value

    def update(self, changes: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Set several keys at once; outside a transaction they are committed together."""
        pairs = list(changes.items() if isinstance(changes, Mapping) else changes)
        for key, _ in pairs:
            _check_key(key)
        if self._tx.active:
            for key, value in pairs:
                self._tx.top.record_set(key, value)
        else:
            self._apply(dict(pairs), ())

    def _own_data(self) -> dict[str, Any]:
        """The committed dictionary, copied first if a snapshot still shares it."""
        if self._shared:
            self._data = dict(self._data)
            self._shared = False
        return self._data

    def _apply(self, writes: Mapping[str, Any], deleted: Iterable[str]) -> None:
        """Commit a batch of changes."""
        data = self._own_data()
        for key in deleted:
            data.pop(key, None)
        data.update(writes)
        self._version += 1

    # -- transactions --------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return self._tx.active

    @property
    def depth(self) -> int:
        """How many transactions are open (0 outside any)."""
        return self._tx.depth

    def begin(self) -> None:
        self._tx.begin()

    def commit(self) -> None:
        self._tx.commit()

    def rollback(self) -> None:
        self._tx.rollback()

    @contextmanager
    def transaction(self):
        """Run a block in a (possibly nested) transaction: commit on success, else roll back."""
        self.begin()
        depth = self._tx.depth
        try:
            yield self
        except BaseException:
            if self._tx.depth >= depth:
                while self._tx.depth > depth:
                    self._tx.rollback()
                self._tx.rollback()
            raise
        else:
            if self._tx.depth != depth:
                raise TransactionError("transaction block left nested transactions open")
            self._tx.commit()

    # -- snapshots -----------------------------------------------------------------------

    def snapshot(self, label: str | None = None) -> Snapshot:
        """A read-only view of the committed data as it is now."""
        self._shared = True
        return Snapshot(self._data, self._version, label)

    def restore(self, snapshot: Snapshot) -> None:
        """Make the committed data what it was when `snapshot` was taken."""
        if self._tx.active:
            raise TransactionError("cannot restore a snapshot inside a transaction")
        self._data = snapshot._data
        self._version += 1

    # -- queries -------------------------------------------------------------------------

    def query(self):
        from .query import Query

        return Query(self)

    def __repr__(self) -> str:
        state = f", {self._tx.depth} open transaction(s)" if self._tx.active else ""
        return f"<Store v{self._version}: {len(self)} keys{state}>"
