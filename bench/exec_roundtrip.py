"""Round trip of a trivial command: the sandbox's persistent executor against `docker exec`.

Both are measured in the same run, on the same container. Prints the medians and their ratio.
Usage: python bench/exec_roundtrip.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from harness.sandbox.docker import DockerProvider
from harness.sandbox.engine import connect
from harness.tasks import load_tasks


def median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def timed(action, runs: int) -> list[float]:
    action()  # warm up: the first call starts the executor
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    docker = DockerProvider(connect(), run_id="bench-exec")
    task = load_tasks()[0]
    sandbox = docker.start(task, docker.prepare(task))
    try:
        executor = timed(lambda: sandbox.run("true"), args.runs)
        plain = docker.start(task, docker.prepare(task))
        if plain._watchdog is not None:  # a second container of the image, with no watchdog
            plain._watchdog.close()
            plain._watchdog = None
        unguarded = timed(lambda: plain.run("true"), args.runs)
        cli = timed(
            lambda: subprocess.run(["docker", "exec", sandbox.container.id, "true"], check=True),
            args.runs,
        )
        sdk = timed(lambda: sandbox.container.exec_run(["true"]), args.runs)
    finally:
        docker.cleanup()
    print(f"runs per method: {args.runs}")
    print(f"persistent executor      median {median_ms(executor):6.1f} ms")
    print(f"  without disk watchdog  median {median_ms(unguarded):6.1f} ms")
    print(f"docker exec (CLI)        median {median_ms(cli):6.1f} ms")
    print(f"docker exec (SDK)        median {median_ms(sdk):6.1f} ms")
    print(f"ratio CLI / executor     {median_ms(cli) / median_ms(executor):6.1f}x")


if __name__ == "__main__":
    main()
