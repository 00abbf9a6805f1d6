"""Command line: `python -m harness [run options]` runs a task set; subcommands do the rest.

Exit codes: 0 success, 1 a failure while running (no engine, every task errored, ...),
2 bad input (unknown policy, missing file, malformed rules), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from harness import HarnessError, __version__

SUBCOMMANDS = {
    "run": "run a task set under one policy (the default when no subcommand is given)",
    "setup": "make sure a Docker engine runs and the sandbox base image exists",
    "tasks": "list or validate the tasks of a source",
    "images": "build, list or prune sandbox images",
    "sandbox": "housekeeping: `sandbox gc` removes containers of runs that died",
    "show": "print one task's trajectory turn by turn",
    "report": "summarise one or more results files per policy",
    "compare": "compare two results files task by task",
}
RESULTS_DIR = Path("results")


class UsageError(HarnessError):
    """Bad input from the user: exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line and exit status 2."""

    def error(self, message: str):
        raise UsageError(f"{message} (see {self.prog} --help)")


def _run_parser(prog: str = "python -m harness") -> Parser:
    epilog = "subcommands (each has --help):\n" + "\n".join(
        f"  {name:<8} {text}" for name, text in SUBCOMMANDS.items())
    parser = Parser(prog=prog, description="Run a task set under one routing policy: each task "
                    "is solved by the edit-test agent in a Docker sandbox, graded in a fresh "
                    "container, and written as one JSON row to a results file.",
                    epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    what = parser.add_argument_group("what to run")
    what.add_argument("--policy", default="cascade",
                      help="routing policy: pro, flash, cascade, or a name from --rules "
                           "(default: cascade)")
    what.add_argument("--rules", type=Path, metavar="FILE",
                      help="TOML file of routing policies ([policies.NAME] tables)")
    what.add_argument("--dataset", metavar="SOURCE", help=SOURCE_HELP)
    add_selection_options(what)
    what.add_argument("--seed", type=int, default=0, help="seed of the simulated models "
                      "(default: 0)")
    models = parser.add_argument_group("models")
    models.add_argument("--backend", choices=["auto", "sim", "openai"], default="auto",
                        help="sim: simulated models; openai: an OpenAI-compatible endpoint; "
                             "auto: openai when the API key variable is set, else sim "
                             "(default: auto)")
    models.add_argument("--base-url", default=None,
                        help="OpenAI-compatible endpoint (default: https://api.deepseek.com)")
    models.add_argument("--api-key-env", default="DEEPSEEK_API_KEY", metavar="VAR",
                        help="environment variable holding the API key "
                             "(default: DEEPSEEK_API_KEY)")
    models.add_argument("--flash-model", default="deepseek-v4-flash",
                        help="model name of the cheap tier (default: deepseek-v4-flash)")
    models.add_argument("--pro-model", default="deepseek-v4-pro",
                        help="model name of the expensive tier (default: deepseek-v4-pro)")
    models.add_argument("--prices", type=Path, metavar="FILE",
                        help="price table (TOML) instead of the bundled one")
    limits = parser.add_argument_group("limits")
    limits.add_argument("--max-steps", type=int, default=40, help="turns per task (default: 40)")
    limits.add_argument("--max-cost", type=float, default=2.0, metavar="USD",
                        help="dollars per task (default: 2.0)")
    limits.add_argument("--max-wall", type=float, default=1800, metavar="SECONDS",
                        help="wall time per task for the agent (default: 1800)")
    limits.add_argument("--command-timeout", type=float, default=120, metavar="SECONDS",
                        help="timeout of one agent command (default: 120)")
    sandbox = parser.add_argument_group("sandbox")
    sandbox.add_argument("--base-image", metavar="IMAGE",
                         help="base image of the sandbox Dockerfile (default: the one `setup` "
                              "made, else python:3.11-slim)")
    sandbox.add_argument("--memory", default="2g", help="memory limit per container "
                         "(default: 2g)")
    sandbox.add_argument("--network", action="store_true",
                         help="give task containers network access (default: none)")
    out = parser.add_argument_group("output")
    out.add_argument("--output", type=Path, metavar="FILE",
                     help="results JSONL; an existing file is resumed: finished tasks are "
                          "skipped (default: results/<policy>-<time>.jsonl)")
    out.add_argument("--workers", type=int, default=1, metavar="N",
                     help="tasks run in parallel (default: 1); rows still go through one "
                          "writer")
    out.add_argument("--rerun-errors", action="store_true",
                     help="when resuming, run again the tasks whose row has status error")
    out.add_argument("--no-progress", action="store_true", help="no progress bar")
    out.add_argument("--run-id", metavar="ID", help="name of this run, in every row and on "
                     "every container (default: random)")
    return parser


SOURCE_HELP = ("tasks: a .json/.jsonl/.parquet file, a folder laid out like tasks/, or a "
               "Hugging Face dataset name (default: the bundled suite)")


def add_selection_options(group) -> None:
    group.add_argument("--split", default="test", help="dataset split for Hugging Face "
                       "datasets (default: test)")
    group.add_argument("--instance-ids", nargs="+", metavar="ID", help="only these tasks")
    group.add_argument("--filter", metavar="REGEX", help="only tasks whose instance_id matches")
    group.add_argument("--slice", metavar="START:STOP[:STEP]",
                       help="a Python slice of the task list, e.g. 0:10")
    group.add_argument("--shard", metavar="I/N", help="shard I of N (1-based): disjoint, "
                       "together covering the selection, stable across runs")
    group.add_argument("--repo-mirror", type=Path, metavar="DIR",
                       help="folder of git repositories named owner__name or owner__name.git, "
                            "used instead of cloning from GitHub")


def load_selection(args: argparse.Namespace, source: str | None):
    from harness.tasks import load_tasks, select_tasks

    tasks = _bad_input(load_tasks, source, args.split)
    return _bad_input(select_tasks, tasks, args.instance_ids, args.filter, args.slice,
                      args.shard)


def _positive(parser: Parser, args: argparse.Namespace, *names: str) -> None:
    for name in names:
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")


def cmd_run(argv: list[str]) -> int:
    parser = _run_parser()
    args = parser.parse_args(argv)
    _positive(parser, args, "max_steps", "max_cost", "max_wall", "command_timeout", "workers")

    from harness.agent import Limits
    from harness.policy import resolve_policy
    from harness.pricing import load_prices

    policy = _bad_input(resolve_policy, args.policy, args.rules)
    prices = _bad_input(load_prices, args.prices)
    tasks = load_selection(args, args.dataset)
    if not tasks:
        raise UsageError("the selection holds no tasks")
    backend = args.backend
    if backend == "auto":
        backend = "openai" if os.environ.get(args.api_key_env) else "sim"
    if backend == "openai" and not os.environ.get(args.api_key_env):
        raise UsageError(f"--backend openai needs an API key in {args.api_key_env}")
    model_names = {"flash": args.flash_model, "pro": args.pro_model}
    if backend == "openai":
        for tier in policy.tiers:
            prices.price(model_names[tier])  # fail before any work, not after the first call

    from harness.engine import connect
    from harness.results import ResultStore
    from harness.run import RunConfig, run_tasks
    from harness.sandbox import Docker
    from harness.sandbox import Limits as SandboxLimits

    config = RunConfig(
        policy=policy, prices=prices, backend=backend, seed=args.seed, model_names=model_names,
        base_url=args.base_url or "https://api.deepseek.com", key_variable=args.api_key_env,
        limits=Limits(args.max_steps, args.max_cost, args.max_wall, args.command_timeout))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    output = args.output or RESULTS_DIR / f"{policy.name}-{backend}-{stamp}.jsonl"
    store = ResultStore(output)
    if backend == "sim":
        print(f"No API key in {args.api_key_env}: using simulated models. These results are "
              "synthetic.", file=sys.stderr)
    docker = Docker(connect(), run_id=args.run_id,
                    limits=SandboxLimits(memory=args.memory, network=args.network),
                    base_image=args.base_image, repo_mirror=args.repo_mirror)
    print(f"Running {len(tasks)} task(s) under policy {policy.name} ({backend} backend), "
          f"run {docker.run_id}", file=sys.stderr)
    from tqdm import tqdm

    # disable=None: no bar when stderr is not a terminal (CI logs, pipes)
    bar = tqdm(total=len(tasks), unit="task", disable=True if args.no_progress else None,
               file=sys.stderr)
    finished = []

    def on_row(row) -> None:
        finished.append(row)
        bar.update(1)
        bar.set_postfix(resolved=sum(r.status == "resolved" for r in finished),
                        errors=sum(r.status == "error" for r in finished))

    try:
        run_tasks(tasks, config, docker, store, on_row, retry_errors=args.rerun_errors,
                  workers=args.workers)
    finally:
        bar.close()
        docker.cleanup()
    return _print_summary(store.path, policy.name)


def _print_summary(path: Path, policy: str) -> int:
    from harness.report import summarize, summary_table
    from harness.results import read_rows

    rows = [r for r in read_rows(path) if r["policy"] == policy]
    print(summary_table(summarize(rows)))
    print(f"Results: {path}")
    errors = [r for r in rows if r["status"] == "error"]
    for row in errors[:5]:
        print(f"error: {row['instance_id']}: {row['status_reason']}", file=sys.stderr)
    return 1 if rows and len(errors) == len(rows) else 0


def _bad_input(function, *args):
    """Call a loader; its HarnessError is the user's input being wrong (exit 2)."""
    try:
        return function(*args)
    except UsageError:
        raise
    except HarnessError as exc:
        raise UsageError(str(exc)) from None


def cmd_setup(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness setup", description="Make sure a Docker engine "
                    "answers (as root on Debian: install docker.io and start dockerd) and that "
                    "the sandbox base image exists (pulled, or built with debootstrap when no "
                    "registry answers).")
    parser.parse_args(argv)
    from harness.engine import ensure_base_image, ensure_engine

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    client = ensure_engine(log)
    base = ensure_base_image(client, log)
    print(f"Docker engine ready; sandbox base image: {base}")
    return 0


def cmd_report(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness report",
                    description="Per policy: tasks, resolved, pass rate with a 95%% interval, "
                                "errors, total cost, cost per task, cost per resolved task.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="results JSONL")
    args = parser.parse_args(argv)
    from harness.report import summarize, summary_table
    from harness.results import read_rows

    rows = [row for path in args.files for row in _bad_input(read_rows, path)]
    if not rows:
        raise UsageError("no result rows in " + ", ".join(map(str, args.files)))
    print(summary_table(summarize(rows)))
    return 0


def cmd_compare(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness compare",
                    description="Pair two results files on (instance_id, seed): resolved by "
                                "both, only A, only B, neither; and each side's cost.")
    parser.add_argument("a", type=Path, metavar="A", help="results JSONL (baseline)")
    parser.add_argument("b", type=Path, metavar="B", help="results JSONL (candidate)")
    args = parser.parse_args(argv)
    from harness.report import compare_table
    from harness.results import read_rows

    print(compare_table(_bad_input(read_rows, args.a), _bad_input(read_rows, args.b),
                        str(args.a), str(args.b)))
    return 0


def cmd_tasks(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness tasks", description="Inspect and validate tasks.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="{list,validate}",
                                    parser_class=Parser)
    listing = actions.add_parser("list", help="show what a source holds")
    validate = actions.add_parser(
        "validate", help="run every task with its gold patch (must resolve) and with no patch "
        "(every FAIL_TO_PASS must fail), twice; report invalid and flaky tasks")
    validate.add_argument("--runs", type=int, default=2, help="runs of each check (default: 2)")
    for sub in (listing, validate):
        sub.add_argument("source", nargs="?", metavar="SOURCE", help=SOURCE_HELP)
        add_selection_options(sub)
    args = parser.parse_args(argv)
    tasks = load_selection(args, args.source)
    from harness.report import format_table

    if args.action == "list":
        print(format_table(["instance_id", "repo", "difficulty", "FAIL_TO_PASS",
                            "PASS_TO_PASS"],
                           [[t.instance_id, t.repo, t.difficulty or "-", str(len(t.FAIL_TO_PASS)),
                             str(len(t.PASS_TO_PASS))] for t in tasks]))
        print(f"{len(tasks)} task(s)")
        return 0
    return _validate(tasks, args)


def _validate(tasks, args) -> int:
    from tqdm import tqdm

    from harness.engine import connect
    from harness.report import format_table
    from harness.sandbox import Docker
    from harness.validation import validate_tasks

    docker = Docker(connect(), repo_mirror=args.repo_mirror)
    bar = tqdm(total=len(tasks), unit="task", disable=None, file=sys.stderr)
    try:
        checks = validate_tasks(tasks, docker, args.runs, lambda check: bar.update(1))
    finally:
        bar.close()
        docker.cleanup()
    bad = [c for c in checks if not c.valid]
    if bad:
        print(format_table(["instance_id", "verdict", "problems"],
                           [[c.instance_id, "flaky" if c.flaky and not c.problems else "invalid",
                             "; ".join(c.problems) or "results differ between runs"]
                            for c in bad]))
    invalid = sum(1 for c in bad if c.problems)
    flaky = sum(1 for c in checks if c.flaky)
    print(f"{len(checks)} task(s): {len(checks) - len(bad)} valid, {invalid} invalid, "
          f"{flaky} flaky")
    return 1 if bad else 0


def cmd_show(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness show", description="Print a task's trajectory turn "
                    "by turn: actions, observations, model calls, escalations marked.")
    parser.add_argument("results", type=Path, metavar="RESULTS", help="results JSONL")
    parser.add_argument("instance_id", metavar="INSTANCE_ID")
    args = parser.parse_args(argv)
    from harness.show import find_trajectories, format_trajectory

    found = _bad_input(find_trajectories, args.results, args.instance_id)
    print("\n\n".join(format_trajectory(row, trajectory) for row, trajectory in found))
    return 0


def cmd_sandbox(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness sandbox", description="Sandbox housekeeping.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="{gc}",
                                    parser_class=Parser)
    gc = actions.add_parser("gc", help="remove containers left by runs that died (found by "
                            "label; a run that is still going is left alone)")
    gc.add_argument("--all", action="store_true",
                    help="remove every container the harness made, running or not")
    args = parser.parse_args(argv)
    from harness.engine import connect
    from harness.sandbox import collect_garbage

    removed = collect_garbage(connect(), everything=args.all)
    runs = sorted(set(removed))
    print(f"removed {len(removed)} container(s)" + (f" of run(s) {', '.join(runs)}"
                                                    if runs else ""))
    return 0


def cmd_images(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness images",
                    description="Build, list and prune the sandbox images of tasks.")
    actions = parser.add_subparsers(dest="action", required=True,
                                    metavar="{build,list,prune}", parser_class=Parser)
    build = actions.add_parser("build", help="build the images of a task selection")
    actions.add_parser("list", help="list the harness's images")
    prune = actions.add_parser("prune", help="remove harness images that the selected tasks "
                               "do not need (by default: the bundled suite)")
    prune.add_argument("--all", action="store_true", help="remove every harness image")
    for sub in (build, prune):
        sub.add_argument("source", nargs="?", metavar="SOURCE", help=SOURCE_HELP)
        add_selection_options(sub)
        sub.add_argument("--base-image", metavar="IMAGE", help="base image of the Dockerfile")
    args = parser.parse_args(argv)
    from harness.engine import connect
    from harness.report import format_table
    from harness.sandbox import Docker, harness_images

    client = connect()
    if args.action == "list":
        rows = [[", ".join(image.tags) or image.short_id, f"{image.attrs['Size'] / 1e6:.0f} MB",
                 image.attrs["Created"][:19]] for image in harness_images(client)]
        print(format_table(["image", "size", "created"], rows))
        return 0
    tasks = load_selection(args, args.source)
    docker = Docker(client, base_image=args.base_image, repo_mirror=args.repo_mirror)
    if args.action == "build":
        from tqdm import tqdm

        failed = 0
        for task in tqdm(tasks, unit="image", disable=None, file=sys.stderr):
            try:
                docker.task_image(task)
            except HarnessError as exc:
                failed += 1
                print(f"error: {exc}", file=sys.stderr)
        print(f"{len(tasks) - failed} of {len(tasks)} task image(s) ready")
        return 1 if failed else 0
    keep = set() if args.all else {docker.base_sandbox_image()} | {
        docker.task_image_tag(task) for task in tasks}
    removed = 0
    for image in harness_images(client):
        if not keep & set(image.tags):
            client.images.remove(image.id, force=True)
            removed += 1
    print(f"removed {removed} image(s), kept {len(keep)}")
    return 0


COMMANDS = {"run": cmd_run, "setup": cmd_setup, "tasks": cmd_tasks, "images": cmd_images,
            "sandbox": cmd_sandbox, "show": cmd_show, "report": cmd_report, "compare": cmd_compare}


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = cmd_run
    if argv and argv[0] in COMMANDS:
        command = COMMANDS[argv.pop(0)]
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return command(argv)
    except UsageError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return 2
    except HarnessError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("harness: interrupted; rows already written are kept", file=sys.stderr)
        return 130
