"""What many test modules share: a result row with plain defaults, results files, the command
line, in-process and as a subprocess, and edits through the edit check."""

from __future__ import annotations

import difflib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.agent.baseline import BaselineCache
from harness.agent.edit_check import EditCheck
from harness.cli import main
from harness.models import Completion, Message
from harness.pricing import Usage
from harness.prompts import default_prompts
from harness.reporting.compare import Comparison, compare_sides
from harness.reporting.sides import rows_side
from harness.reporting.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from harness.results import ResultRow
from harness.testsuite.suite import edit_check_suite

from .fake_openai import deepseek_usage

ROOT = Path(__file__).resolve().parent.parent


def result_row(
    instance_id: str = "t-1",
    status: str = "resolved",
    cost: float | None = None,
    *,
    policy: str = "cascade",
    synthetic: bool = True,
    **fields: Any,
) -> ResultRow:
    """A valid row: the given fields over defaults of a simulated run of `policy`."""
    values = {
        "instance_id": instance_id,
        "model_name_or_path": f"{'sim:' if synthetic else ''}{policy}:f+p",
        "model_patch": "",
        "run_id": "r1",
        "policy": policy,
        "policy_hash": "h",
        "backend": "sim" if synthetic else "openai",
        "synthetic": synthetic,
        "seed": 0,
        "price_table": "v1",
        "status": status,
        "cost_usd": cost,
        "turns": 4,
        **fields,
    }
    return ResultRow.model_validate(values)


def write_rows(path: Path, rows: list[ResultRow | str]) -> str:
    """A results file of these rows (a string is written as it is); its path as a string."""
    path.write_text("".join((r if isinstance(r, str) else r.to_json()) + "\n" for r in rows))
    return str(path)


def run_cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    """The command line in this process: exit status, stdout, stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ctrl_c_reaches_it() -> None:
    """`preexec_fn` for a child that a test sends Ctrl-C: a shell that starts a command in
    the background makes it ignore SIGINT, and children inherit that, so a suite run that
    way would see the child shrug Ctrl-C off."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def harness(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`python -m harness ARGS` as a user runs it, without an API key unless `env` has one."""
    environment = {k: v for k, v in os.environ.items() if k != "DEEPSEEK_API_KEY"}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**environment, **(env or {})},
    )


def compare_runs(
    rows_a: list[ResultRow],
    rows_b: list[ResultRow],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Comparison:
    """`compare` of rows in memory, one policy per side."""
    return compare_sides(rows_side("A", rows_a), rows_side("B", rows_b), resamples, seed)


def swe_row(instance_id: str = "o__r-1", **extra: Any) -> dict[str, Any]:
    """A SWE-bench dataset row in its own field names and types."""
    diff = "--- a/{0}\n+++ b/{0}\n@@ -1 +1 @@\n-old\n+new\n"
    return {
        "instance_id": instance_id,
        "repo": "o/r",
        "base_commit": "abc",
        "problem_statement": "it breaks",
        "patch": diff.format("x.py"),
        "test_patch": diff.format("tests/test_x.py"),
        "FAIL_TO_PASS": '["t::a"]',
        "PASS_TO_PASS": ["t::b"],
        "version": 1.2,
        **extra,
    }


def full_row(instance_id: str, status: str, cost: float, **fields: Any) -> ResultRow:
    """A row with an escalation and tokens of both tiers, its cost split between them."""
    return result_row(
        instance_id,
        status,
        cost,
        escalations=1,
        tokens={
            "flash": Usage(cache_hit=900, cache_miss=100, output=50),
            "pro": Usage(cache_miss=1000, output=20, reasoning=5),
        },
        cost_by_tier={"flash": cost / 2, "pro": cost / 2},
        **fields,
    )


def check(capsys: Any, base: str, candidate: str, *extra: str) -> tuple[int, str, str]:
    """The gate with thresholds of 5 points of pass rate and 10% of cost per resolved task."""
    return run_cli(
        capsys,
        "check",
        base,
        candidate,
        "--max-pass-rate-drop",
        "5",
        "--max-cost-per-resolved-increase",
        "0.10",
        "--resamples",
        "500",
        *extra,
    )


class Scripted:
    """A model that answers from a list, for driving the loop into specific outcomes."""

    def __init__(self, name: str, replies: list[str]):
        self.name, self.replies, self.prompts = name, list(replies), []

    def complete(self, messages: list[Message]) -> Completion:
        self.prompts.append(list(messages))
        return Completion(self.replies.pop(0), Usage(cache_miss=1000, output=100))


def fence(lang: str, body: str) -> str:
    """A reply with one action block."""
    return f"THOUGHT: step\n\n```{lang}\n{body}\n```"


def checker(sandbox: Any, task: Any, baselines: Any = None, timeout: float = 60) -> EditCheck:
    """The edit check of a sandbox, its base statuses in memory unless a cache is given."""
    return EditCheck(
        sandbox,
        edit_check_suite(task),
        baselines or BaselineCache("test"),
        timeout,
        default_prompts(),
    )


def checked(check: EditCheck, diff: str) -> tuple[str, str]:
    """An edit through the check: its outcome and what the model sees."""
    result = check.edit(diff)
    return result.outcome, result.observation


def edit(sandbox: Any, path: str, old: str | None, new: str) -> str:
    """A unified diff that replaces `old` with `new` in a file of the sandbox."""
    before = sandbox.read_file(path).decode() if old is not None else ""
    after = before.replace(old, new) if old is not None else new
    lines = difflib.unified_diff(
        before.splitlines(True),
        after.splitlines(True),
        "/dev/null" if old is None else f"a/{path}",
        f"b/{path}",
    )
    return "".join(lines)


SUBMIT_REPLY = {"content": "THOUGHT: done\n\n```submit\n```", "usage": deepseek_usage(0, 1000, 100)}


def gold_then_submit(gold: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A script for tests/fake_openai.py: on the first turn of any task, apply the gold patch
    with a command; then submit."""
    body = f"git apply <<'PATCH'\n{gold}PATCH"
    apply = {"content": fence("bash", body), "usage": deepseek_usage(0, 1000, 100)}
    return lambda request: apply if len(request["messages"]) <= 2 else SUBMIT_REPLY
