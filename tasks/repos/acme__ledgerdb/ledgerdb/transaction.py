"""Pending changes of open transactions.

Transactions nest. Every open transaction has a `Layer` holding *all* changes made since the
outermost `begin()` that are still pending at its level: `writes` maps keys to their new
values and `deleted` holds the keys removed. Keeping each layer complete (rather than only the
changes made at that level) makes a read a single dictionary lookup whatever the depth; the
price is a copy of the pending changes on each nested `begin()`.

* committing a nested transaction makes its layer the layer of its parent;
* committing the outermost transaction applies the layer to the store's committed data;
* rolling back simply drops the layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import TransactionError

if TYPE_CHECKING:  # pragma: no cover
    from .store import Store

MISSING: Any = object()  # the layer says nothing about the key: read the committed data
DELETED: Any = object()  # the key was deleted in the open transaction


class Layer:
    __slots__ = ("writes", "deleted")

    def __init__(self, writes: dict[str, Any] | None = None, deleted: set[str] | None = None):
        self.writes: dict[str, Any] = {} if writes is None else writes
        self.deleted: set[str] = set() if deleted is None else deleted

    def lookup(self, key: str) -> Any:
        if key in self.deleted:
            return DELETED
        return self.writes.get(key, MISSING)

    def record_set(self, key: str, value: Any) -> None:
        self.deleted.discard(key)
        self.writes[key] = value

    def record_delete(self, key: str) -> None:
        self.writes.pop(key, None)
        self.deleted.add(key)

    def is_empty(self) -> bool:
        return not self.writes and not self.deleted

    def __repr__(self) -> str:
        return f"Layer(writes={self.writes!r}, deleted={sorted(self.deleted)!r})"


class TransactionStack:
    """The open transactions of one store, innermost last."""

    def __init__(self, store: Store):
        self._store = store
        self._layers: list[Layer] = []

    @property
    def depth(self) -> int:
        return len(self._layers)

    @property
    def active(self) -> bool:
        return bool(self._layers)

    @property
    def top(self) -> Layer:
        if not self._layers:
            raise TransactionError("no transaction in progress")
        return self._layers[-1]

    def begin(self) -> None:
        if not self._layers:
            self._layers.append(Layer())
            return
        parent = self._layers[-1]
        self._layers.append(Layer(dict(parent.writes), parent.deleted))

    def commit(self) -> None:
        layer = self.top
        self._layers.pop()
        if self._layers:
            self._layers[-1] = layer
            return
        if layer.is_empty():
            return
        data = self._store._data
        for key in layer.deleted:
            data.pop(key, None)
        data.update(layer.writes)
        self._store._version += 1

    def rollback(self) -> None:
        self.top  # raises when there is nothing to roll back
        self._layers.pop()

    def rollback_all(self) -> None:
        self._layers.clear()
