"""Progress of a long command, on stderr: a bar with running totals on a terminal, and one
line per finished item elsewhere (pipes, `| tee`, CI logs, a terminal that says it has no
columns), so that a log shows progress too. While a bar is shown, warnings are printed above
it (see harness.warn), never into its line."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from tqdm import tqdm


class Progress:
    """`advance` once per finished item, with a line describing it and the running totals."""

    def __init__(
        self,
        total: int,
        unit: str = "task",
        enabled: bool = True,
        stream: TextIO | None = None,
        terminal: bool | None = None,
        initial: int = 0,
    ):
        self.stream = stream or sys.stderr
        self.total, self.done = total, initial
        is_terminal = self.stream.isatty() if terminal is None else terminal
        self.lines = enabled and not (is_terminal and has_columns(self.stream))
        self.bar = tqdm(
            total=total,
            initial=initial,
            unit=unit,
            file=self.stream,
            disable=not enabled or self.lines,
            dynamic_ncols=True,
        )

    def advance(self, line: str, totals: Mapping[str, str]) -> None:
        self.done += 1
        if self.lines:
            summary = ", ".join(f"{name} {value}" for name, value in totals.items())
            width = len(str(self.total))
            print(
                f"[{self.done:>{width}}/{self.total}] {line} | {summary}",
                file=self.stream,
                flush=True,
            )
        else:
            self.bar.set_postfix(totals, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def has_columns(stream: TextIO) -> bool:
    """Whether a terminal can show a bar: one that reports 0 columns (a pseudo-terminal
    whose size was never set, as some CI runners and `docker run -t` give) would show none."""
    try:
        return os.get_terminal_size(stream.fileno()).columns > 0
    except (OSError, ValueError, AttributeError):  # not a real terminal: trust the caller
        return True
