"""What the subcommands share: the parser, turning a loader's error into bad input, the
task-selection options, and reading and writing the files they are given."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from harness import HarnessError, UsageError, warn
from harness.files import ensure_writable
from harness.image_names import namespace_problem, reference_problem
from harness.reporting.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from harness.results import ResultRow, iter_rows
from harness.results.store import holds_rows
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


def add_source_argument(parser: Any) -> None:
    """The task source of a command that reads one: as its argument, or as `--dataset`, as
    the main command and `grade` take it."""
    parser.add_argument("source", nargs="?", metavar="SOURCE", help=SOURCE_HELP)
    parser.add_argument(
        "--dataset", metavar="SOURCE", help="the same as the SOURCE argument (either is fine)"
    )


def source_of(args: argparse.Namespace) -> str | None:
    """The source given as the argument or as --dataset; both, naming different ones, is
    bad input."""
    if args.source is not None and args.dataset is not None and args.source != args.dataset:
        raise UsageError(
            f"two task sources, {args.source!r} and --dataset {args.dataset!r}: give one"
        )
    source: str | None = args.source if args.source is not None else args.dataset
    return source


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
    if args.image_namespace is not None and (problem := namespace_problem(args.image_namespace)):
        raise UsageError(f"--image-namespace {args.image_namespace!r} {problem}")
    return bad_input(
        load_tasks, source, args.split, args.strict, args.environments, warn, args.image_namespace
    )


def select(args: argparse.Namespace, tasks: list[Task]) -> list[Task]:
    """The tasks the selection options choose; bad input is exit 2."""
    return bad_input(select_tasks, tasks, args.instance_ids, args.filter, args.slice, args.shard)


def load_selection(args: argparse.Namespace, source: str | None) -> list[Task]:
    """The tasks the selection options choose from a source; bad input is exit 2."""
    return select(args, load_source(args, source))


def check_image_reference(flag: str, image: str | None) -> None:
    if image is not None and (problem := reference_problem(image)):
        raise UsageError(f"{flag} {image!r} {problem}")


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


def add_force_option(parser: Any, writes: str) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help=f"write {writes} even over a file the command reads or a results file "
        "(default: refuse, and change nothing)",
    )


def check_output(path: Path, what: str, reads: Sequence[Path] = (), force: bool = False) -> None:
    """Before any work: `path` can be written (its folder is made if need be), and writing it
    replaces neither a file the command reads nor a results file, unless `force`."""
    if not force:
        if any(_same_file(path, read) for read in reads):
            raise UsageError(
                f"{what} {path} is a file this command reads; give another path, or --force "
                "to replace it"
            )
        _refuse_results(path, what)
    bad_input(ensure_writable, path, what)


def _same_file(path: Path, other: Path) -> bool:
    """The same file, by name (it may not exist yet) or as the same inode (a link)."""
    try:
        if path.resolve() == other.resolve():
            return True
        return path.exists() and other.exists() and path.samefile(other)
    except OSError:
        return False


def _refuse_results(path: Path, what: str) -> None:
    if holds_rows(path):
        raise UsageError(
            f"{what} {path} holds result rows; give another path, or --force to replace it"
        )


def write_output(path: Path, data: bytes, what: str, force: bool = False) -> None:
    """Write a file the command makes, and its folder if need be; a results file is never
    replaced without `force` (commands check with `check_output` before any work; this is
    the last line of defence for one that did not)."""
    if not force:
        _refuse_results(path, what.lower())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    warn(f"{what}: {path}")


# Ten times the default: the Monte Carlo error of a 95% percentile is then far below the width
# of the interval, and a typo of a few zeros cannot keep a report running for hours.
MAX_RESAMPLES = 100_000


def resample_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if count > MAX_RESAMPLES:
        raise argparse.ArgumentTypeError(f"at most {MAX_RESAMPLES}, not {count}")
    return count


def add_bootstrap_options(parser: Parser) -> None:
    group = parser.add_argument_group("statistics")
    group.add_argument(
        "--resamples",
        type=resample_count,
        default=BOOTSTRAP_RESAMPLES,
        metavar="N",
        help=f"bootstrap resamples of the tasks (default: {BOOTSTRAP_RESAMPLES}; at most "
        f"{MAX_RESAMPLES})",
    )
    group.add_argument(
        "--bootstrap-seed",
        type=int,
        default=BOOTSTRAP_SEED,
        metavar="SEED",
        help="seed of the bootstrap, so that intervals are the same on every "
        f"run (default: {BOOTSTRAP_SEED})",
    )


# Docker's rule for names, which a run id becomes part of (labels, temporary folders); no
# slash, space or newline can then split a path or a line.
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_run_id(run_id: str | None) -> None:
    if run_id is not None and not RUN_ID.fullmatch(run_id):
        raise UsageError(
            f"--run-id {run_id[:70]!r}: use 1 to 64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )


def say_errors(rows: Sequence[ResultRow], shown: int = 5) -> None:
    """The first error rows' reasons on stderr, each naming its task once (a reason may
    already begin with the task's id, as an image's failure does)."""
    for row in [r for r in rows if r.status == "error"][:shown]:
        reason = row.status_reason.removeprefix(f"{row.instance_id}: ")
        warn(f"error: {row.instance_id}: {reason}")


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
