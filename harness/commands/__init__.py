"""The subcommands. The registry below is the one list of them: the top-level help and the
dispatcher both read it. Each module has `parser()` and `run(args)`, and is imported only when
its command runs, so that `report` never loads Docker or an HTTP client."""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from typing import Protocol

from harness.commands.common import Parser


class CommandModule(Protocol):
    def parser(self) -> Parser: ...

    def run(self, args: argparse.Namespace) -> int: ...


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    module: str = ""  # the module that implements it, when not named like the command

    def load(self) -> CommandModule:
        name = self.module or self.name
        module: CommandModule = importlib.import_module(f"harness.commands.{name}")
        return module


DEFAULT = "run"
REGISTRY = [
    Command("run", "run a task set under one policy (the default when no subcommand is given)"),
    Command("setup", "make sure a Docker engine runs and the sandbox base image exists"),
    Command("tasks", "list or validate the tasks of a source"),
    Command("images", "build, pull, list or prune task images"),
    Command("sandbox", "housekeeping: `sandbox gc` removes containers of runs that died"),
    Command("grade", "grade SWE-bench predictions made elsewhere: rows and a report.json"),
    Command("export", "write SWE-bench predictions files from results, one per policy"),
    Command("show", "print one task's trajectory turn by turn"),
    Command("report", "summarise one or more results files per policy"),
    Command("compare", "compare two results files task by task"),
    Command(
        "check",
        "the CI gate: exit 1 when a candidate results file is worse than a baseline",
        module="gate",
    ),
    Command("sim", "fit the simulated models to real runs (`sim fit`), and cross-validate them"),
    Command("prices", "print the price table in force (per model, dollars per million tokens)"),
]
COMMANDS = {command.name: command for command in REGISTRY}
