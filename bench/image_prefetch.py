"""Wall time of a run whose images must be pulled, with and without prefetch, in the same run.

A registry served here (tests/fake_registry.py) holds one image per task, each a runnable image
that is here already plus a layer of random bytes, sent at a fixed bandwidth so that each pull
takes about --pull-seconds. The tasks (copies of one SWE-bench-style task, solved by a scripted
model behind a local OpenAI-compatible server) run with one worker. Measured, each on images
of its own so that every run pulls: the pulls alone, one after another; the work alone (a run
whose images are here); a run that pulls each image when its task starts (--pull-concurrency
0); and a run that prefetches (the default). Without prefetch a run takes about pulls + work;
with it, about the larger of the two plus the first pull, which no run can hide.
Usage: python bench/image_prefetch.py [--tasks N] [--pull-seconds S] [--size-mib M]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.sandbox.engine import connect  # noqa: E402
from harness.sandbox.pull import pull  # noqa: E402
from tests.fake_openai import FakeOpenAI  # noqa: E402
from tests.fake_registry import FakeRegistry  # noqa: E402
from tests.helpers import gold_then_submit  # noqa: E402
from tests.official_images import build_images, rows  # noqa: E402
from tests.synthetic_images import MiB, serve_synthetic  # noqa: E402

# The stated margin over max(P, W) with prefetch: the first pull, which nothing can hide, and
# a share of the work for what the pulls take from it (unpacking layers on the same cores).
MARGIN_SHARE = 0.2


def dataset(folder: Path, name: str, row: dict, images: list[str]) -> Path:
    path = folder / f"{name}.jsonl"
    copies = [
        {**row, "instance_id": f"pytoolz__toolz-{900 + i}", "image": image}
        for i, image in enumerate(images)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in copies))
    return path


def timed_run(data: Path, folder: Path, name: str, gold: str, *extra: str) -> tuple[float, float]:
    """Wall time of a run, and the seconds its tasks waited for images."""
    output = folder / f"{name}-rows.jsonl"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "DEEPSEEK_API_KEY": "sk-bench"}
    with FakeOpenAI(gold_then_submit(gold)) as model:
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable, "-m", "harness", "--policy", "pro", "--dataset", str(data),
                "--workers", "1", "--no-progress", "--base-url", model.url,
                "--output", str(output), *extra,
            ],
            cwd=ROOT, env=environment, check=True, capture_output=True,
        )  # fmt: skip
        wall = time.monotonic() - started
    written = [json.loads(line) for line in output.read_text().splitlines()]
    assert all(r["status"] != "error" for r in written), [r["status_reason"] for r in written]
    return wall, sum(r["image_wait_s"] for r in written)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--tasks", type=int, default=6)
    options.add_argument("--pull-seconds", type=float, default=6.0)
    options.add_argument("--size-mib", type=int, default=24)
    args = options.parse_args()
    client = connect()
    base = build_images(client)["pytoolz__toolz-1"]
    row = next(r for r in rows() if r["instance_id"] == "pytoolz__toolz-1")
    repository = f"bench/prefetch-{os.getpid()}"
    size = args.size_mib * MiB
    with FakeRegistry() as registry, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sets = {
            name: [
                serve_synthetic(
                    registry, client, base, repository, f"{name}-{i}", size,
                    seed=10_000 * (k + 1) + os.getpid() % 1000 * 10 + i,
                )
                for i in range(args.tasks)
            ]
            for k, name in enumerate(["alone", "sequential", "prefetch"])
        }  # fmt: skip
        registry.bytes_per_s = size / args.pull_seconds
        try:
            started = time.monotonic()
            for image in sets["alone"]:
                pull(client, image)
            pulls = time.monotonic() - started
            work, _ = timed_run(
                dataset(folder, "alone", row, sets["alone"]), folder, "work", row["patch"]
            )
            sequential, seq_wait = timed_run(
                dataset(folder, "sequential", row, sets["sequential"]),
                folder, "sequential", row["patch"], "--pull-concurrency", "0",
            )  # fmt: skip
            prefetch, pre_wait = timed_run(
                dataset(folder, "prefetch", row, sets["prefetch"]), folder, "prefetch", row["patch"]
            )
        finally:
            for image in client.images.list(name=f"{registry.host}/{repository}"):
                for tag in image.tags:
                    client.images.remove(tag)
    load = os.getloadavg()[0]
    first_pull = pulls / args.tasks
    print(f"{args.tasks} tasks, one worker; images of {args.size_mib} MiB, each pull about "
          f"{args.pull_seconds:g} s; load average {load:.1f}")  # fmt: skip
    print(f"{'what':<48} {'wall time':>10} {'image waits':>12}")
    for what, seconds, waits in (
        ("pulls alone, one after another (P)", pulls, None),
        ("work alone, images here (W)", work, None),
        ("P + W", pulls + work, None),
        ("max(P, W) + one pull", max(pulls, work) + first_pull, None),
        ("run without prefetch (--pull-concurrency 0)", sequential, seq_wait),
        ("run with prefetch (default)", prefetch, pre_wait),
    ):
        shown = f"{waits:.1f} s" if waits is not None else "-"
        print(f"{what:<48} {seconds:>8.1f} s {shown:>12}")
    longer = max(pulls, work)
    print(
        f"with prefetch: max(P, W) {longer:.1f} s, plus {prefetch - longer:.1f} s (the first "
        f"pull, which nothing can hide, takes {first_pull:.1f} s of it)"
    )
    margin = first_pull + MARGIN_SHARE * longer
    within = "within" if prefetch <= longer + margin else "NOT within"
    print(f"{within} the stated margin: one pull + a fifth of max(P, W) = {margin:.1f} s")
    print(f"without prefetch: P + W, {sequential - pulls - work:+.1f} s")
    print(
        f"prefetch saved {sequential - prefetch:.1f} s; overlap can save at most "
        f"min(P, W) = {min(pulls, work):.1f} s"
    )


if __name__ == "__main__":
    main()
