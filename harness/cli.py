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

from harness import HarnessError, __version__, warn

SUBCOMMANDS = {
    "run": "run a task set under one policy (the default when no subcommand is given)",
    "setup": "make sure a Docker engine runs and the sandbox base image exists",
    "tasks": "list or validate the tasks of a source",
    "images": "build, list or prune sandbox images",
    "sandbox": "housekeeping: `sandbox gc` removes containers of runs that died",
    "show": "print one task's trajectory turn by turn",
    "report": "summarise one or more results files per policy",
    "compare": "compare two results files task by task",
    "check": "CI gate: exit 1 when a candidate results file is worse than a baseline",
    "prices": "print the price table in force (per model, dollars per million tokens)",
}
RESULTS_DIR = Path("results")
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


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
    models.add_argument("--thinking", choices=["on", "off"],
                        help="thinking mode, sent as {\"thinking\": {\"type\": ...}} "
                             "(default: the provider's)")
    models.add_argument("--reasoning-effort", choices=["low", "medium", "high"],
                        help="reasoning effort, sent as reasoning_effort (default: the "
                             "provider's)")
    models.add_argument("--max-concurrency", type=int, default=8, metavar="N",
                        help="requests in flight per model and endpoint (default: 8)")
    models.add_argument("--request-timeout", type=float, default=300, metavar="SECONDS",
                        help="timeout of one HTTP request to the endpoint (default: 300)")
    models.add_argument("--max-retries", type=int, default=6, metavar="N",
                        help="retries of a call after 429, 5xx, a timeout, a connection "
                             "error or a malformed body (default: 6)")
    models.add_argument("--record", type=Path, metavar="DIR",
                        help="store every request and response in DIR, one JSON file each, "
                             "named by the request's sha256")
    models.add_argument("--replay", type=Path, metavar="DIR",
                        help="serve responses recorded with --record from DIR: no network, "
                             "no key; a request that was not recorded fails its task")
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
    out.add_argument("--workers", type=int, default=DEFAULT_WORKERS, metavar="N",
                     help="tasks run in parallel; rows still go through one writer (default: "
                          f"{DEFAULT_WORKERS}, this machine's cores up to 4)")
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
    group.add_argument("--strict", action="store_true",
                       help="fail on the first bad task row (default: skip it and say why)")
    group.add_argument("--environments", type=Path, metavar="FILE",
                       help="TOML of install and test commands per repo and version "
                            "(see tasks/README.md)")
    group.add_argument("--repo-mirror", type=Path, metavar="DIR",
                       help="folder of git repositories named owner__name or owner__name.git, "
                            "used instead of cloning from GitHub")


def load_selection(args: argparse.Namespace, source: str | None):
    from harness.tasks import load_tasks, select_tasks

    tasks = _bad_input(load_tasks, source, args.split, args.strict, args.environments)
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
    backend = _backend(parser, args)
    model_names = {"flash": args.flash_model, "pro": args.pro_model}
    if backend == "openai":
        for tier in policy.tiers:
            prices.price(model_names[tier])  # fail before any work, not after the first call

    from harness.engine import connect
    from harness.models import ClientSettings, ModelOptions, RetryPolicy
    from harness.results import ResultStore
    from harness.run import RunConfig, run_tasks
    from harness.sandbox import Docker
    from harness.sandbox import Limits as SandboxLimits

    config = RunConfig(
        policy=policy, prices=prices, backend=backend, seed=args.seed, model_names=model_names,
        base_url=args.base_url or "https://api.deepseek.com", key_variable=args.api_key_env,
        model_options=ModelOptions(args.thinking, args.reasoning_effort),
        client=ClientSettings(args.request_timeout, RetryPolicy(args.max_retries),
                              args.max_concurrency),
        record_dir=args.record, replay_dir=args.replay,
        limits=Limits(args.max_steps, args.max_cost, args.max_wall, args.command_timeout))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    output = args.output or RESULTS_DIR / f"{policy.name}-{backend}-{stamp}.jsonl"
    store = _bad_input(ResultStore, output)
    _bad_input(store.done)  # a resumed file must be readable before any work starts
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


def _backend(parser: Parser, args: argparse.Namespace) -> str:
    """sim or openai; a replay stands in for the endpoint, so it needs no key."""
    _positive(parser, args, "max_concurrency", "request_timeout")
    if args.max_retries < 0:
        parser.error("--max-retries must be zero or more")
    if args.record and args.replay:
        parser.error("--record and --replay exclude each other")
    if args.replay:
        if args.backend == "sim":
            parser.error("--replay serves recorded endpoint responses; not with --backend sim")
        if not args.replay.is_dir():
            raise UsageError(f"no recordings folder: {args.replay}")
        return "openai"
    backend = args.backend
    if backend == "auto":
        backend = "openai" if os.environ.get(args.api_key_env) else "sim"
    if backend == "openai" and not os.environ.get(args.api_key_env):
        raise UsageError(f"--backend openai needs an API key in {args.api_key_env}")
    if backend == "sim" and args.record:
        raise UsageError(f"--record records endpoint calls, and the simulated models make "
                         f"none: set the key in {args.api_key_env}")
    return backend


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


def _results(path: Path, required: bool = True) -> list[dict]:
    """The rows of a results file; bad input is exit 2, and so is an empty file when the
    command cannot do without it."""
    from harness.results import read_rows

    rows = _bad_input(read_rows, path, warn)
    if not rows:
        if required:
            raise UsageError(f"{path} holds no result rows")
        warn(f"warning: {path} holds no result rows")
    return rows


def _write_output(path: Path, data: bytes, what: str) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    warn(f"{what}: {path}")


def cmd_report(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness report",
                    description="Per policy: tasks, resolved, pass rate with a 95% interval, "
                                "errors, total cost, cost per task, cost per resolved task, "
                                "tokens by tier, escalations per turn. Results of simulated "
                                "models are marked synthetic.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="results JSONL")
    parser.add_argument("--format", choices=["table", "markdown"], default="table",
                        help="terminal table or GitHub markdown (default: table)")
    parser.add_argument("--plot", type=Path, metavar="PATH",
                        help="write a cost-vs-pass-rate PNG, one point per policy with its "
                             "interval (needs matplotlib: pip install 'cascade-harness[plot]')")
    parser.add_argument("--html", type=Path, metavar="PATH",
                        help="write a self-contained HTML page: the tables, the plot (when "
                             "matplotlib is installed) and every task's row")
    args = parser.parse_args(argv)
    from harness import report

    if args.plot:
        report.require_plotting()  # before any work, not after it
    files = [(str(path), _results(path, required=False)) for path in args.files]
    rows, notes = report.combine_files(files, warn)
    if not rows:
        raise UsageError("no result rows in " + ", ".join(map(str, args.files)))
    summaries = report.summarize(rows)
    print(report.summary_table(summaries, notes, args.format))
    if args.plot:
        _write_output(args.plot, report.plot_png(summaries), "Plot")
    if args.html:
        plot, missing = None, ""
        if report.plotting_available():
            plot = report.plot_png(summaries)
        else:
            missing = f"No plot: matplotlib is not installed ({report.PLOT_HINT})."
            warn(f"warning: --html: {missing}")
        page = report.html_page(summaries, rows, notes, plot, missing)
        _write_output(args.html, page.encode("utf-8"), "Page")
    return 0


def _add_bootstrap_options(parser: Parser) -> None:
    group = parser.add_argument_group("statistics")
    group.add_argument("--resamples", type=int, default=10_000, metavar="N",
                       help="bootstrap resamples of the paired tasks (default: 10000)")
    group.add_argument("--bootstrap-seed", type=int, default=0, metavar="SEED",
                       help="seed of the bootstrap, so that intervals are the same on every "
                            "run (default: 0)")


def _comparison(parser: Parser, args: argparse.Namespace, path_a: Path, path_b: Path,
                policy_a: str | None, policy_b: str | None):
    """Both files read, one policy each, paired; and the notes on mixed runs."""
    from harness import report

    _positive(parser, args, "resamples")
    sides = []
    for path, policy in ((path_a, policy_a), (path_b, policy_b)):
        rows = _bad_input(report.one_policy, _results(path), str(path), policy)
        sides.append(rows)
    notes = [note for path, rows in zip((path_a, path_b), sides)
             for note in report.file_notes(str(path), rows)]
    comparison = report.compare_runs(sides[0], sides[1], str(path_a), str(path_b),
                                     args.resamples, args.bootstrap_seed)
    return comparison, notes


def cmd_compare(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness compare",
                    description="Pair two results files on (instance_id, seed): resolved by "
                                "both, only A, only B, neither, with the exact McNemar p-value; "
                                "each side's cost; bootstrap 95% intervals for the pass-rate "
                                "difference, the ratio of cost per resolved task and the cost "
                                "difference per task; the tasks that differ. Rows with status "
                                "error are left out of the pairing and counted.")
    parser.add_argument("a", type=Path, metavar="A", help="results JSONL (baseline)")
    parser.add_argument("b", type=Path, metavar="B", help="results JSONL (candidate)")
    parser.add_argument("--policy-a", metavar="NAME",
                        help="policy to take from A when it holds several")
    parser.add_argument("--policy-b", metavar="NAME",
                        help="policy to take from B when it holds several")
    parser.add_argument("--all-tasks", action="store_true",
                        help="list every paired task with its cost, not only the discordant ones")
    _add_bootstrap_options(parser)
    args = parser.parse_args(argv)
    from harness.report import comparison_text

    comparison, notes = _comparison(parser, args, args.a, args.b, args.policy_a, args.policy_b)
    print(comparison_text(comparison, args.all_tasks, notes))
    return 0


def cmd_check(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness check",
                    description="CI gate: compare a candidate results file with a baseline on "
                                "their paired tasks. Exit 0 within bounds, 1 when the pass rate "
                                "dropped or the cost per resolved task rose more than allowed, "
                                "2 on bad input (a missing or empty file, too few paired "
                                "tasks). The thresholds apply to the point estimates; the 95% "
                                "bootstrap intervals are printed beside them.")
    parser.add_argument("baseline", type=Path, metavar="BASELINE", help="results JSONL")
    parser.add_argument("candidate", type=Path, metavar="CANDIDATE", help="results JSONL")
    parser.add_argument("--max-pass-rate-drop", type=float, required=True, metavar="POINTS",
                        help="largest allowed drop of the pass rate, in percentage points "
                             "(5 means 5 points, e.g. 80%% -> 75%%)")
    parser.add_argument("--max-cost-per-resolved-increase", type=float, required=True,
                        metavar="FRACTION", help="largest allowed rise of the cost per resolved "
                        "task, as a fraction (0.10 means +10%%)")
    parser.add_argument("--min-tasks", type=int, default=1, metavar="N",
                        help="fewest paired tasks to decide on; fewer is bad input (default: 1)")
    parser.add_argument("--format", choices=["text", "github"], default="text",
                        help="plain text, or GitHub Actions annotations (default: text)")
    parser.add_argument("--baseline-policy", metavar="NAME",
                        help="policy to take from BASELINE when it holds several")
    parser.add_argument("--candidate-policy", metavar="NAME",
                        help="policy to take from CANDIDATE when it holds several")
    _add_bootstrap_options(parser)
    from harness import report

    github = "github" in argv  # bad-input annotations, even before the arguments parse
    try:
        args = parser.parse_args(argv)
        github = args.format == "github"
        for name in ("max_pass_rate_drop", "max_cost_per_resolved_increase"):
            if not getattr(args, name) >= 0:
                parser.error(f"--{name.replace('_', '-')} must be zero or more")
        _positive(parser, args, "min_tasks")
        comparison, notes = _comparison(parser, args, args.baseline, args.candidate,
                                        args.baseline_policy, args.candidate_policy)
        if comparison.n < args.min_tasks:
            raise UsageError(f"{comparison.n} paired task(s) between {args.baseline} and "
                             f"{args.candidate}, fewer than --min-tasks {args.min_tasks}"
                             if comparison.n else f"no paired tasks between {args.baseline} "
                             f"and {args.candidate} (rows with status error are left out)")
    except UsageError as exc:
        if github:
            print(report.github_annotation("error", "harness check: bad input", str(exc)))
        raise
    findings = report.check_findings(comparison, args.max_pass_rate_drop,
                                     args.max_cost_per_resolved_increase)
    context = report.check_context(comparison, notes)
    show = report.check_github if args.format == "github" else report.check_text
    print(show(findings, context))
    return 0 if all(f.ok for f in findings) else 1


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
        tag for task in tasks
        for tag in (docker.environment_image(task), docker.task_image_tag(task))}
    removed = 0
    for image in harness_images(client):
        if not keep & set(image.tags):
            client.images.remove(image.id, force=True)
            removed += 1
    print(f"removed {removed} image(s), kept {len(keep)}")
    return 0


def cmd_prices(argv: list[str]) -> int:
    parser = Parser(prog="python -m harness prices",
                    description="Print the price table a run would use: its version and, per "
                                "model, dollars per million tokens of cache-hit input, "
                                "cache-miss input and output (reasoning is billed as output).")
    parser.add_argument("--prices", type=Path, metavar="FILE",
                        help="price table (TOML) instead of the bundled one")
    args = parser.parse_args(argv)
    from harness.pricing import DEFAULT_TABLE, load_prices
    from harness.report import format_table

    table = _bad_input(load_prices, args.prices)
    print(f"price table {table.version} ({args.prices or DEFAULT_TABLE}), "
          "dollars per million tokens")
    print(format_table(["model", "input cache hit", "input cache miss", "output"],
                       [[name, f"{p.input_cache_hit:g}", f"{p.input_cache_miss:g}",
                         f"{p.output:g}"] for name, p in sorted(table.models.items())]))
    return 0


COMMANDS = {"run": cmd_run, "setup": cmd_setup, "tasks": cmd_tasks, "images": cmd_images,
            "sandbox": cmd_sandbox, "show": cmd_show, "report": cmd_report, "compare": cmd_compare,
            "prices": cmd_prices, "check": cmd_check}


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
