"""Measure which model-routing policy resolves the most coding tasks per dollar."""

import sys

# The one place the version is written: pyproject.toml reads it from here, and every command
# would otherwise pay about 0.1 s to ask the installed package's metadata for it.
__version__ = "0.1.0"


# Notes held back while a command checks its input (see `hold_notes`); None: printed at once.
_held: list[str] | None = None


def warn(message: str) -> None:
    """A note for the user that does not stop the command: stderr, one line."""
    if _held is not None:
        _held.append(message)
    else:
        _print_note(message)


def _print_note(message: str) -> None:
    """Once a progress bar may be on screen (tqdm is loaded), tqdm prints the note above the
    bar, which it draws again, rather than into the bar's line."""
    bars = sys.modules.get("tqdm")
    if bars is None:
        print(message, file=sys.stderr)
    else:
        bars.tqdm.write(message, file=sys.stderr)


def hold_notes() -> None:
    """Hold notes back until `release_notes`. While a command checks its input, a note (a row
    skipped, a duplicate) would otherwise come before the one line that says the input is bad;
    held, it comes after it."""
    global _held
    _held = []


def release_notes() -> None:
    """Print the notes held so far and print later ones at once: a command calls it when its
    checks are done and its work begins."""
    global _held
    held, _held = _held or [], None
    for message in held:
        _print_note(message)


def first_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short line, for messages that must stay one line."""
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else type(exc).__name__


class HarnessError(Exception):
    """A problem the user can act on; the CLI prints it as one line, without a traceback."""


class UsageError(HarnessError):
    """Bad input from the user: the command exits with status 2."""


class InfrastructureError(HarnessError):
    """The engine, a container or an image failed: never the model's fault, never 'unresolved'."""
