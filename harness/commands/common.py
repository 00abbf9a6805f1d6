"""What the subcommands share: the parser, turning a loader's error into bad input, the
task-selection options, and reading and writing the files they are given."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from harness import HarnessError, UsageError, warn
from harness.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from harness.tasks import Task, check_mirror, load_tasks, select_tasks

T = TypeVar("T")
PROG = "python -m harness"
SOURCE_HELP = (
    "tasks: a .json/.jsonl/.parquet file, a folder laid out like tasks/, or a "
    "Hugging Face dataset name (default: the bundled suite)"
)


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def bad_input(function: Callable[..., T], *args: Any) -> T:
    """Call a loader; its HarnessError is the user's input being wrong (exit 2)."""
    try:
        return function(*args)
    except UsageError:
        raise
    except HarnessError as exc:
        raise UsageError(str(exc)) from None


def add_selection_options(group: Any) -> None:
    group.add_argument(
        "--split", default="test", help="dataset split for Hugging Face datasets (default: test)"
    )
    group.add_argument("--instance-ids", nargs="+", metavar="ID", help="only these tasks")
    group.add_argument("--filter", metavar="REGEX", help="only tasks whose instance_id matches")
    group.add_argument(
        "--slice", metavar="START:STOP[:STEP]", help="a Python slice of the task list, e.g. 0:10"
    )
    group.add_argument(
        "--shard",
        metavar="I/N",
        help="shard I of N (1-based): disjoint, "
        "together covering the selection, stable across runs",
    )
    group.add_argument(
        "--strict",
        action="store_true",
        help="fail on the first bad task row (default: skip it and say why)",
    )
    group.add_argument(
        "--environments",
        type=Path,
        metavar="FILE",
        help="TOML of install and test commands per repo and version (see tasks/README.md)",
    )
    group.add_argument(
        "--repo-mirror",
        type=Path,
        metavar="DIR",
        help="folder of git repositories named owner__name or owner__name.git, "
        "used instead of cloning from GitHub",
    )


def load_selection(args: argparse.Namespace, source: str | None) -> list[Task]:
    """The tasks the selection options choose from a source; bad input is exit 2."""
    bad_input(check_mirror, args.repo_mirror)
    tasks = bad_input(load_tasks, source, args.split, args.strict, args.environments)
    return bad_input(select_tasks, tasks, args.instance_ids, args.filter, args.slice, args.shard)


def write_output(path: Path, data: bytes, what: str) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    warn(f"{what}: {path}")


def add_bootstrap_options(parser: Parser) -> None:
    group = parser.add_argument_group("statistics")
    group.add_argument(
        "--resamples",
        type=int,
        default=BOOTSTRAP_RESAMPLES,
        metavar="N",
        help=f"bootstrap resamples of the tasks (default: {BOOTSTRAP_RESAMPLES})",
    )
    group.add_argument(
        "--bootstrap-seed",
        type=int,
        default=BOOTSTRAP_SEED,
        metavar="SEED",
        help="seed of the bootstrap, so that intervals are the same on every "
        f"run (default: {BOOTSTRAP_SEED})",
    )


def require_positive(args: argparse.Namespace, *names: str) -> None:
    for name in names:
        if not getattr(args, name) > 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
