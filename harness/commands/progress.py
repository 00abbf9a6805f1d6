"""Progress of a long command, on stderr: a bar with running totals on a terminal, and one
line per finished item elsewhere (pipes, `| tee`, CI logs), so that a log shows progress too."""

from __future__ import annotations

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
        self.lines = enabled and not is_terminal
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
