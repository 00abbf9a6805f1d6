"""Tasks per minute on a Ray cluster against a local `--workers` run, in the same run.

Starts a Ray cluster on this machine (a head and one worker node, each a separate group of
processes with SLOTS task slots), then runs the same tasks with simulated models three ways:
locally with the default workers, locally with as many workers as the cluster has slots, and
on the cluster. Images are built first, so that every run finds them.
Usage: python bench/cluster_throughput.py [--slice START:STOP] [--slots N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORES = os.cpu_count()
sys.path.insert(0, str(ROOT))

from tests.ray_cluster import LocalCluster, environment  # noqa: E402


def harness(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=ROOT,
        env=environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def timed_run(
    selection: list[str], folder: Path, name: str, *args: str
) -> tuple[int, float, float]:
    """Rows written, seconds, and the machine's mean load over the run (what else ran)."""
    output = folder / f"{name}.jsonl"
    started, load = time.perf_counter(), os.getloadavg()[0]
    harness("--policy=cascade", *selection, f"--output={output}", "--no-progress", *args)
    elapsed = time.perf_counter() - started
    return len(output.read_text().splitlines()), elapsed, (load + os.getloadavg()[0]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slice", default="0:40", help="tasks of the bundled suite")
    parser.add_argument("--slots", type=int, default=2, help="task slots per cluster node")
    args = parser.parse_args()
    selection = [f"--slice={args.slice}"]
    harness("images", "build", *selection)
    cluster = LocalCluster(head_slots=args.slots)
    try:
        cluster.add_worker(args.slots)
        slots = 2 * args.slots
        with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
            folder = Path(tmp)
            results = [
                ("local, --workers 2 (the default here)", timed_run(selection, folder, "w2")),
                (
                    f"local, --workers {slots}",
                    timed_run(selection, folder, "wn", f"--workers={slots}"),
                ),
                (
                    f"Ray, 2 nodes x {args.slots} slots",
                    timed_run(selection, folder, "ray", f"--ray={cluster.address}"),
                ),
            ]
    finally:
        cluster.stop()
    print(f"{'how':<40} {'tasks':>5} {'wall s':>8} {'tasks/min':>9} {'load':>5}")
    for name, (tasks, seconds, load) in results:
        print(f"{name:<40} {tasks:>5} {seconds:>8.1f} {60 * tasks / seconds:>9.1f} {load:>5.1f}")
    print(f"load: the 1-minute load average at the start and end of each run ({CORES} cores)")


if __name__ == "__main__":
    main()
