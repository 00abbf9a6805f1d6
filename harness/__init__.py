"""Measure which model-routing policy resolves the most coding tasks per dollar."""

import sys

# The one place the version is written: pyproject.toml reads it from here, and every command
# would otherwise pay about 0.1 s to ask the installed package's metadata for it.
__version__ = "0.1.0"


def warn(message: str) -> None:
    """A note for the user that does not stop the command: stderr, one line. Once a
    progress bar may be on screen (tqdm is loaded), tqdm prints it above the bar, which it
    draws again, rather than into the bar's line."""
    bars = sys.modules.get("tqdm")
    if bars is None:
        print(message, file=sys.stderr)
    else:
        bars.tqdm.write(message, file=sys.stderr)


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
