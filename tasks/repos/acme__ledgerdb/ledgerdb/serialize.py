"""Saving and loading the committed data of a store as JSON."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import LedgerError
from .store import Store

FORMAT = "ledgerdb"
FORMAT_VERSION = 1


def dumps(source, indent: int | None = None) -> str:
    """Serialize a store's committed data (or a snapshot) to a JSON document."""
    data = source.to_dict() if not isinstance(source, Store) else dict(source._data)
    document = {"format": FORMAT, "version": FORMAT_VERSION, "data": data}
    try:
        return json.dumps(document, indent=indent, sort_keys=True)
    except TypeError as exc:
        raise LedgerError(f"value cannot be saved as JSON: {exc}") from None


def loads(text: str) -> Store:
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LedgerError(f"not a ledgerdb document: {exc.msg}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise LedgerError("not a ledgerdb document")
    if document.get("version") != FORMAT_VERSION:
        raise LedgerError(f"unsupported format version {document.get('version')!r}")
    data = document.get("data")
    if not isinstance(data, dict):
        raise LedgerError("document has no data")
    return Store(data)


def save(source, path: str | os.PathLike) -> None:
    """Write atomically: a crash never leaves a half-written file behind."""
    target = Path(path)
    text = dumps(source)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike) -> Store:
    return loads(Path(path).read_text(encoding="utf-8"))
