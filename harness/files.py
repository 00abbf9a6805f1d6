"""Finding out, before any work, that a file can be written, without leaving a trace."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from harness import HarnessError


@contextlib.contextmanager
def probe(path: Path, what: str) -> Iterator[IO[bytes]]:
    """Open `path` for appending, as the command will write it, and undo what that made: a new
    file and the new folders above it are removed again, and an existing file is opened but
    not changed. A HarnessError names `what` when it cannot be written."""
    if path.is_dir():
        raise HarnessError(f"{what} {path} is a directory")
    made = [p for p in [path, *path.absolute().parents] if not p.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as handle:
            yield handle
    except OSError as exc:
        raise HarnessError(f"cannot write {what} {path}: {exc.strerror or exc}") from None
    finally:
        for new in made:  # the file first, then its new folders, deepest first
            with contextlib.suppress(OSError):
                new.unlink() if new == path else new.rmdir()


def check_writable(path: Path, what: str) -> None:
    with probe(path, what):
        pass
