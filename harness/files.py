"""The files a user gives: TOML and JSON read and checked (TOML against a model of its tables),
output files found writable before any work, without leaving a trace, and the paths a
command derives from names in its input kept inside their folder."""

from __future__ import annotations

import contextlib
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from harness import HarnessError

T = TypeVar("T")


class TomlTable(BaseModel):
    """A table of a TOML file: unknown keys and values of the wrong type are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The tables of a TOML file; a HarnessError naming `what` and the file when it cannot be
    read or is not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HarnessError(f"cannot read {what} {path}: not found") from None
    except OSError as exc:
        raise HarnessError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise HarnessError(f"cannot read {what} {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise HarnessError(f"cannot read {what} {path}: {exc}") from None
    except RecursionError:
        raise HarnessError(f"cannot read {what} {path}: {TOO_DEEP}") from None


TOO_DEEP = "nested too deeply"


def parse_json(text: str | bytes) -> Any:
    """`json.loads`, with nesting too deep for Python's stack (a line of 200,000 `[`) raised
    as the JSONDecodeError it is rather than as a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        document = text if isinstance(text, str) else text.decode("utf-8", "replace")
        raise json.JSONDecodeError(TOO_DEEP, document, 0) from None


def path_inside(folder: Path, name: str, what: str) -> Path:
    """`folder / name`, refused (a HarnessError) when it would lead out of `folder`: a name
    taken from a file the user gave (a row's trajectory, an instance id) is data, and data
    must not choose where the harness reads or writes."""
    path = folder / name
    base = folder.resolve()
    if not path.resolve().is_relative_to(base) or path.resolve() == base:
        raise HarnessError(f"{what} {name!r} leads out of {folder}")
    return path


def load_toml(path: Path, model: type[T], what: str) -> T:
    """A TOML file read as `model`, every key checked."""
    return parse_tables(read_toml(path, what), model, f"{what} {path}")


def parse_tables(data: Any, model: type[T], where: str) -> T:
    """Tables read as `model` (a TomlTable, or a type made of them); the first problem is a
    one-line HarnessError naming the key."""
    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as exc:
        raise HarnessError(f"{where}: {first_problem(exc)}") from None


def first_problem(exc: ValidationError) -> str:
    """The first problem pydantic found in a file's tables or a row, on one line, as the keys
    name it, and how many more there are."""
    error = exc.errors()[0]
    path = [str(part) for part in error["loc"]]
    parent = ".".join(path[:-1]) or "top level"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    if error["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"{parent}: unknown key {path[-1]!r}{more}"
    if error["type"] == "missing":
        return f"{parent}: missing key {path[-1]!r}{more}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{'.'.join(path) or 'top level'}: {message}{more}"


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


def ensure_writable(path: Path, what: str) -> None:
    with probe(path, what):
        pass
