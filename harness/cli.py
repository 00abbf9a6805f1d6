"""Command line: `python -m harness [run options]` runs a task set; subcommands do the rest.

Exit codes: 0 success, 1 a failure while running (no engine, every task errored, a graded
prediction or an image pull errored, ...), 2 bad input (unknown policy, missing file, malformed
rules), 130 interrupted. Bad input is told in one line, the first on stderr.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import NoReturn

from harness import HarnessError, UsageError, hold_notes, release_notes
from harness.commands import COMMANDS, DEFAULT

INTERRUPTED = 130


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    name = argv.pop(0) if argv and argv[0] in COMMANDS else DEFAULT
    signal.signal(signal.SIGTERM, _terminate)
    hold_notes()  # an error found while checking is the first line; the notes follow it
    try:
        command = COMMANDS[name].load()
        return command.run(command.parser().parse_args(argv))
    except UsageError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return 2
    except HarnessError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("harness: interrupted; rows already written are kept", file=sys.stderr)
        return INTERRUPTED
    finally:
        release_notes()


def entry() -> NoReturn:
    """The process's entry point. An interrupted run ends at once: its rows and spend journal
    are on disk and its containers removed, and neither the tasks it stopped (a model call, a
    test run) nor tearing down the interpreter (seconds on a loaded machine) may hold it up."""
    code = main()
    if code == INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
