"""Simulated runs in memoised Docker sandboxes against plain ones, in the same run.

`sim validate` and `sim sweep` run the simulated family over the same tasks again and again.
This runs the cascade with simulated models on the first --tasks bundled tasks, one run per
seed, in plain Docker sandboxes (the baseline) and in memoised ones (sandbox/memo.py), and
prints each run's wall time, their medians, and the rows that did not come out the same.
Usage: python bench/sim_memo.py [--tasks N] [--seeds N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from harness.agent.policy import BUILTIN
from harness.grading import grade
from harness.models.factory import ModelFamily, ModelSettings
from harness.pricing import load_prices
from harness.results import ResultRow, ResultStore
from harness.runner import RunConfig, run_tasks
from harness.sandbox import SandboxProvider
from harness.sandbox.docker import DockerProvider
from harness.sandbox.engine import connect
from harness.sandbox.memo import MemoProvider
from harness.tasks import Task, load_tasks


def timed_runs(
    tasks: list[Task], sandboxes: SandboxProvider, seeds: int, scratch: Path, memo: bool
) -> tuple[list[float], list[list[ResultRow]]]:
    times, rows = [], []
    for seed in range(seeds):
        family = ModelFamily(ModelSettings(backend="sim"), "sim", seed=seed)
        config = RunConfig(BUILTIN["cascade"], load_prices(), family)
        if memo:
            assert isinstance(sandboxes, MemoProvider)
            config = replace(config, grader=sandboxes.grading(grade))
        store = ResultStore(scratch / f"{'memo' if memo else 'plain'}-{seed}.jsonl")
        started = time.perf_counter()
        rows.append(run_tasks(tasks, config, sandboxes, store, workers=2))
        times.append(time.perf_counter() - started)
    return times, rows


def essence(rows: list[ResultRow]) -> list[tuple[object, ...]]:
    return sorted((r.instance_id, r.status, r.turns, r.cost_usd, r.model_patch) for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    tasks = load_tasks()[: args.tasks]
    plain = DockerProvider(connect(), run_id="bench-sim-plain")
    memo = MemoProvider(DockerProvider(connect(), run_id="bench-sim-memo"))
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for task in tasks:  # images first, so that neither side pays for a build
                plain.prepare(task)
            baseline, plain_rows = timed_runs(tasks, plain, args.seeds, Path(scratch), False)
            memoised, memo_rows = timed_runs(tasks, memo, args.seeds, Path(scratch), True)
    finally:
        plain.cleanup()
        memo.cleanup()
    differing = [
        (seed, p, m)
        for seed, (a, b) in enumerate(zip(plain_rows, memo_rows))
        for p, m in zip(essence(a), essence(b))
        if p != m
    ]
    print(f"{args.tasks} tasks, cascade, simulated models, {args.seeds} seeds, --workers 2")
    print("plain Docker sandboxes, per run:     " + " ".join(f"{t:6.1f}s" for t in baseline))
    print("memoised Docker sandboxes, per run:  " + " ".join(f"{t:6.1f}s" for t in memoised))
    warm = statistics.median(memoised[1:]) if len(memoised) > 1 else memoised[0]
    plain_median = statistics.median(baseline)
    print(f"median plain run {plain_median:.1f}s; memoised: first {memoised[0]:.1f}s,")
    print(f"later runs median {warm:.2f}s ({plain_median / warm:.0f}x faster)")
    print(f"answers from memory {memo.memo.hits}, from a sandbox {memo.memo.misses}")
    print(f"rows unlike the plain runs' (status, turns, cost, patch): {len(differing)}")
    for seed, p, m in differing:  # what differs says whether the memo or the machine did it
        print(f"  seed {seed} {p[0]}: plain {p[1:4]}, memoised {m[1:4]}")


if __name__ == "__main__":
    main()
