"""What the subcommands share: the parser, turning a loader's error into bad input, the
task-selection options, and reading and writing the files they are given."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from harness import HarnessError, UsageError, warn
from harness.reporting.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from harness.results import ResultRow, iter_rows
from harness.tasks import Task, check_mirror, load_tasks, select_tasks

if TYPE_CHECKING:  # `report` and friends must not load Docker
    from harness.sandbox.images import Images

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


def add_progress_option(group: Any, item: str) -> None:
    group.add_argument(
        "--no-progress",
        action="store_true",
        help=f"no progress (default: a bar on a terminal, else one line per {item})",
    )


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
        "--image-namespace",
        metavar="NS",
        help="registry namespace of official SWE-bench images (default: swebench, as the "
        "published ones), e.g. registry.example.com/swebench for a private mirror; '' names "
        "images built locally with SWE-bench's own tools",
    )
    group.add_argument(
        "--repo-mirror",
        type=Path,
        metavar="DIR",
        help="folder of git repositories named owner__name or owner__name.git, "
        "used instead of cloning from GitHub",
    )


def load_source(args: argparse.Namespace, source: str | None) -> list[Task]:
    """Every task of a source; bad input is exit 2."""
    bad_input(check_mirror, args.repo_mirror)
    return bad_input(
        load_tasks, source, args.split, args.strict, args.environments, warn, args.image_namespace
    )


def select(args: argparse.Namespace, tasks: list[Task]) -> list[Task]:
    """The tasks the selection options choose; bad input is exit 2."""
    return bad_input(select_tasks, tasks, args.instance_ids, args.filter, args.slice, args.shard)


def load_selection(args: argparse.Namespace, source: str | None) -> list[Task]:
    """The tasks the selection options choose from a source; bad input is exit 2."""
    return select(args, load_source(args, source))


def check_base_image(images: Images, given: str | None) -> None:
    """The sandbox base image is there before any work: a --base-image that names no image is
    bad input; a default one that is missing needs `setup`."""
    try:
        images.check_base_image()
    except HarnessError as exc:
        if given:
            raise UsageError(f"--base-image {given}: {exc}") from None
        raise HarnessError(
            f"base image {images.base_image}: {exc}; run `python -m harness setup`"
        ) from None


def read_results(path: Path, required: bool = True) -> list[ResultRow]:
    """Every row of a results file, for the caller to sort out repeated rows as
    harness/results/attempts.py defines; bad input is exit 2, and so is an empty file when
    the command cannot do without it."""
    rows = bad_input(lambda: list(iter_rows(path, ResultRow, warn)))
    if not rows:
        if required:
            raise UsageError(f"{path} holds no result rows")
        warn(f"warning: {path} holds no result rows")
    return rows


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


def images_present() -> set[str] | None:
    """Tags of the images the engine has; None when no engine answers (a listing still
    works without one)."""
    from harness.sandbox.engine import connect

    try:
        client = connect()
    except HarnessError:
        return None
    return {tag for image in client.images.list() for tag in image.tags}


def plan_table(tasks: list[Task], present: set[str] | None) -> str:
    """Per task: its image and where it comes from, its log parser, its environment, and
    what stops it from being graded; then the totals."""
    from harness.grading.preflight import plan
    from harness.reporting.tables import format_table

    plans = [(task, plan(task, present)) for task in tasks]
    table = format_table(
        ["instance_id", "image", "from", "parser", "environment", "F2P", "P2P", "problem"],
        [
            [
                t.instance_id,
                p.image,
                p.source,
                p.parser,
                p.environment,
                str(len(t.FAIL_TO_PASS)),
                str(len(t.PASS_TO_PASS)),
                p.problem or "-",
            ]
            for t, p in plans
        ],
    )
    sources = [p.source for _, p in plans]
    counts = ", ".join(
        f"{sources.count(s)} {label}"
        for s, label in (
            ("here", "here"),
            ("pull", "to pull"),
            ("build", "to build"),
            ("?", "unknown"),
        )
        if s in sources
    )
    named = sum(1 for t, _ in plans if t.image)
    bad = sum(1 for _, p in plans if not p.ok)
    return (
        f"{table}\n{len(tasks)} task(s): {len(tasks) - bad} gradable, {bad} not; "
        f"{named} named image(s); images: {counts}"
    )


def byte_bars(image: str) -> Callable[[int, int], None]:
    """A progress bar in bytes for one image pull, on stderr when it is a terminal."""
    import sys

    from tqdm import tqdm

    bar = tqdm(desc=image, unit="B", unit_scale=True, leave=False, disable=None, file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total, bar.n = total, done
        bar.refresh()

    return update
