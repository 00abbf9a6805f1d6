"""How fast, and in how much memory, `report`, `compare` and `check` read 100,000 rows.

Writes a results file of 100,000 rows (three policies on 500 tasks, many seeds, rows the size
of real ones: each is a committed baseline row with its patch and test lists, about 3.6 kB),
and two files of 50,000 rows each for compare and check. Then it measures, each in its own
process in the same run: a plain `json.loads` of every line of the 100,000-row file (the
baseline: the least any reader must do), `report` over it, and `compare` and `check` over the
two halves. It prints wall time, CPU time and peak memory (max RSS) of each.

    python bench/report_speed.py [--rows 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ("flash", "pro", "cascade")
TASKS = 500
PLAIN_PARSE = """
import json, sys
rows = 0
with open(sys.argv[1], "rb") as lines:
    for line in lines:
        json.loads(line)
        rows += 1
print(rows, "rows parsed")
"""


def baseline_rows() -> dict[str, list[dict[str, object]]]:
    return {
        policy: [
            json.loads(line)
            for line in (ROOT / "results" / f"baseline-{policy}.jsonl").read_text().splitlines()
        ]
        for policy in POLICIES
    }


def make_row(
    base: dict[str, list[dict[str, object]]], policy: str, task: int, seed: int, rng: random.Random
) -> str:
    template = base[policy][task % len(base[policy])]
    row = dict(template)
    row["instance_id"] = f"{template['instance_id']}-v{task // len(base[policy])}"
    row["seed"] = seed
    row["run_id"] = f"bench-{policy}-{seed}"
    row["status"] = rng.choices(["resolved", "unresolved", "error"], [0.55, 0.43, 0.02])[0]
    row["cost_usd"] = float(template["cost_usd"]) * rng.uniform(0.5, 1.5)  # type: ignore[arg-type]
    return json.dumps(row)


def write_files(folder: Path, total: int) -> tuple[Path, Path, Path]:
    base = baseline_rows()
    rng = random.Random(0)
    whole, a, b = folder / "rows.jsonl", folder / "a.jsonl", folder / "b.jsonl"
    with open(whole, "w") as out_whole, open(a, "w") as out_a, open(b, "w") as out_b:
        for index in range(total):
            seed, rest = divmod(index, TASKS * len(POLICIES))
            policy, task = POLICIES[rest // TASKS], rest % TASKS
            out_whole.write(make_row(base, policy, task, seed, rng) + "\n")
        for index in range(total // 2):
            seed, task = divmod(index, TASKS)
            out_a.write(make_row(base, "flash", task, seed, rng) + "\n")
            out_b.write(make_row(base, "cascade", task, seed, rng) + "\n")
    return whole, a, b


def measure(name: str, command: list[str]) -> tuple[str, float, float, float]:
    """Wall seconds, CPU seconds and peak resident megabytes of one command, in its own
    process. CPU time says the same on a machine that other work keeps busy; wall time
    does not."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status:
        raise SystemExit(f"{name} failed: {command}")
    cpu = usage.ru_utime + usage.ru_stime
    return name, elapsed, cpu, usage.ru_maxrss / 1024  # Linux reports kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        whole, a, b = write_files(folder, args.rows)
        size = whole.stat().st_size / 1e6
        print(f"{args.rows:,} rows, {size:.0f} MB (compare and check: 2 x {args.rows // 2:,} rows)")
        harness = [sys.executable, "-m", "harness"]
        load = os.getloadavg()[0]
        results = [
            measure("json.loads of every line", [sys.executable, "-c", PLAIN_PARSE, str(whole)]),
            measure("report", [*harness, "report", str(whole)]),
            measure("compare", [*harness, "compare", str(a), str(b)]),
            measure(
                "check",
                [
                    *harness,
                    "check",
                    str(a),
                    str(b),
                    "--max-pass-rate-drop",
                    "100",
                    "--max-cost-per-resolved-increase",
                    "100",
                ],
            ),
        ]
    width = max(len(name) for name, *_ in results)
    print(f"load average at the start: {load:.1f} (on {os.cpu_count()} cores)")
    print(f"{'command':<{width}}  {'wall s':>7}  {'CPU s':>7}  {'peak MB':>7}")
    for name, seconds, cpu, megabytes in results:
        print(f"{name:<{width}}  {seconds:7.2f}  {cpu:7.2f}  {megabytes:7.0f}")


if __name__ == "__main__":
    main()
