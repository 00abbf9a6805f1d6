"""What grading's two defences against forged verdicts cost, on a real repository.

The repository is networkx's source release from PyPI (as in check_targeted.py), in a local
sandbox: the same code path as in a container. Measured in the same run, in alternation:
- the guard: listing the repository and its working tree before a one-file patch is applied,
  then finding and checking what changed, against applying the patch alone;
- the harness's own pytest plugin: a pytest run of networkx's `classes` and `generators`
  tests with the plugin recording every test, against the same run without it.

    python bench/grading_defences.py [--rounds 5] [--version 3.4.2]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from check_targeted import EDIT, networkx_task

from harness.grading.evaluate import APPLY_PATCH
from harness.grading.guard import Guard
from harness.grading.witness import Witness, read_records
from harness.sandbox.local import LocalProvider, LocalSandbox

TESTS = "networkx/classes networkx/generators"
PYTEST = f"exec python -m pytest -q -p no:cacheprovider {TESTS} > /dev/null 2>&1"


def applied(sandbox: LocalSandbox, guarded: bool) -> float:
    """Seconds to apply the benchmark's edit, with the guard around it or not."""
    started = time.monotonic()
    guard = Guard(sandbox)
    if guarded:
        guard.before()
    result = sandbox.run(APPLY_PATCH, 120, stdin=EDIT)
    assert result.exit_code == 0, result.output
    if guarded:
        assert guard.protect().suspicious == ""
    return time.monotonic() - started


def tested(sandbox: LocalSandbox, witnessed: bool) -> tuple[float, float, int]:
    """Wall and CPU seconds of the pytest run (CPU time moves less with the machine's other
    work), and how many tests the plugin recorded."""
    witness = Witness.fresh()
    setup = ""
    if witnessed:
        sandbox.write_file(witness.plugin_path, witness.plugin())
        setup = "; ".join(witness.exports()) + "; "
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(["bash", "-c", setup + PYTEST], cwd=sandbox.workdir, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if not witnessed:
        return wall, cpu, 0
    seen = read_records(Path(witness.records).read_bytes(), witness.key)
    assert not seen.broken and not seen.problems
    Path(witness.records).unlink()
    return wall, cpu, len(seen.statuses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--version", default="3.4.2", help="networkx release (default: 3.4.2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-defences-") as tmp:
        task = networkx_task(args.version, Path(tmp))
        provider = LocalProvider()
        files = provider.start(task, provider.prepare(task)).run("git ls-files | wc -l").output
        print(f"networkx {args.version}: {files.strip()} files; {args.rounds} rounds each")
        apply_times: dict[bool, list[float]] = {True: [], False: []}
        test_times: dict[bool, list[float]] = {True: [], False: []}
        cpu_times: dict[bool, list[float]] = {True: [], False: []}
        recorded = 0
        for _ in range(args.rounds):
            for on in (True, False):
                apply_times[on].append(applied(provider.start(task, provider.prepare(task)), on))
            sandbox = provider.start(task, provider.prepare(task))
            for on in (True, False):
                wall, cpu, count = tested(sandbox, on)
                test_times[on].append(wall)
                cpu_times[on].append(cpu)
                recorded = max(recorded, count)
        provider.cleanup()
    guarded, plain = (statistics.median(apply_times[on]) for on in (True, False))
    witnessed, bare = (statistics.median(test_times[on]) for on in (True, False))
    witnessed_cpu, bare_cpu = (statistics.median(cpu_times[on]) for on in (True, False))
    print(f"{'apply, with the guard':<34} {guarded * 1000:8.0f} ms")
    print(f"{'apply alone':<34} {plain * 1000:8.0f} ms")
    print(f"{'':<34} {'wall':>8}   {'cpu':>8}")
    print(f"{'pytest, with the plugin':<34} {witnessed:8.2f} s {witnessed_cpu:8.2f} s")
    print(f"{'pytest alone':<34} {bare:8.2f} s {bare_cpu:8.2f} s")
    print(
        f"the guard adds {(guarded - plain) * 1000:.0f} ms to a grading; the plugin, recording "
        f"{recorded} tests, adds {witnessed_cpu / bare_cpu - 1:+.1%} CPU time to the test run "
        f"({(witnessed_cpu - bare_cpu) / max(recorded, 1) * 1e6:.0f} us a test)"
    )


if __name__ == "__main__":
    main()
