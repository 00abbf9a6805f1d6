"""How long a run takes to end after SIGTERM, against how long its tasks still had to wait.

Three bundled tasks run with two workers against a local OpenAI-compatible server. Each trial
sends SIGTERM while both tasks wait on a reply the server holds back for --delay seconds, and
measures the time until the process has exited; the baseline, measured in the same trial, is
how much longer the server would have made them wait (what a run that waited for its tasks
would have taken). Then --random trials stop a run at a random point of normal work.
--load N keeps N other processes busy throughout, so that the run is stopped on a loaded machine.
Usage: python bench/stop_time.py [--trials N] [--random N] [--delay SECONDS] [--load N]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fake_openai import FakeOpenAI, deepseek_usage  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUN = ["--slice", "0:3", "--workers", "2", "--policy", "flash", "--no-progress"]
LOOK = "THOUGHT: look\n\n```bash\nls\n```"
DONE = "THOUGHT: done\n\n```submit\n```"


def start(server: FakeOpenAI, folder: Path, name: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DEEPSEEK_API_KEY": "sk-bench"}
    output = folder / f"{name}.jsonl"
    command = [sys.executable, "-m", "harness", *RUN, "--base-url", server.url]
    return subprocess.Popen(
        [*command, "--output", str(output), "--run-id", f"bench-stop-{name}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> float:
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait()
    assert process.returncode == 130, process.returncode
    return time.monotonic() - sent


def waiting_trial(folder: Path, name: str, delay: float) -> tuple[float, float]:
    """(seconds to exit, seconds the held-back replies still had to go)."""
    reply = {"content": LOOK, "usage": deepseek_usage(0, 900, 20), "delay": delay}
    with FakeOpenAI(lambda body: reply) as server:
        process = start(server, folder, name)
        while len(server.requests) < 2:
            time.sleep(0.01)
        asked = time.monotonic()
        time.sleep(0.5)
        remaining = delay - (time.monotonic() - asked)
        return stop(process), remaining


def random_trial(folder: Path, name: str, rng: random.Random) -> float:
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        turns = sum(m["role"] == "assistant" for m in body["messages"])
        content = LOOK if turns < 3 else DONE
        return {"content": content, "usage": deepseek_usage(0, 900, 20), "delay": 0.05}

    with FakeOpenAI(reply) as server:
        process = start(server, folder, name)
        calls = rng.randint(1, 10)
        while len(server.billed) < calls and process.poll() is None:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.3))
        return stop(process)


def spin() -> None:
    while True:
        pass


@contextlib.contextmanager
def busy(processes: int) -> Iterator[None]:
    """`processes` processes that keep a core busy each, for as long as the block runs."""
    spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(processes)]
    for spinner in spinners:
        spinner.start()
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.terminate()
            spinner.join()


def summary(samples: list[float]) -> str:
    return f"median {statistics.median(samples):.2f} s, max {max(samples):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--random", type=int, default=10)
    parser.add_argument("--delay", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--load", type=int, default=0, help="busy processes alongside the run")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch, busy(args.load):
        folder = Path(scratch)
        waits = [waiting_trial(folder, f"wait{n}", args.delay) for n in range(args.trials)]
        anywhere = [random_trial(folder, f"any{n}", rng) for n in range(args.random)]
        load = os.getloadavg()[0]
    exits, remaining = [w[0] for w in waits], [w[1] for w in waits]
    cores = os.cpu_count()
    print(f"{args.load} busy processes; load average at the end: {load:.1f} on {cores} cores")
    print(f"SIGTERM while tasks wait on the model ({args.trials} trials): {summary(exits)}")
    print(f"  baseline, what the held-back replies still had to go: {summary(remaining)}")
    print(f"SIGTERM at a random point ({args.random} trials): {summary(anywhere)}")


if __name__ == "__main__":
    main()
