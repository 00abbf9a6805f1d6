"""ledgerdb: an in-memory key-value store with nested transactions, snapshots and queries."""

from .errors import KeyNotFound, LedgerError, QueryError, TransactionError
from .query import Condition, Query, parse_conditions
from .serialize import dumps, load, loads, save
from .snapshot import Snapshot
from .store import Store

__version__ = "0.3.0"

__all__ = [
    "Condition",
    "KeyNotFound",
    "LedgerError",
    "Query",
    "QueryError",
    "Snapshot",
    "Store",
    "TransactionError",
    "dumps",
    "load",
    "loads",
    "parse_conditions",
    "save",
]
