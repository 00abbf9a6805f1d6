"""Exceptions raised by ledgerdb."""


class LedgerError(Exception):
    """Base class for every error raised by this package."""


class KeyNotFound(LedgerError, KeyError):
    """A key that was read or deleted does not exist."""

    def __init__(self, key):
        self.key = key
        super().__init__(key)

    def __str__(self) -> str:
        return f"key not found: {self.key!r}"


class TransactionError(LedgerError):
    """A transaction operation is not allowed in the current state."""


class QueryError(LedgerError, ValueError):
    """A query is malformed."""
