"""How long the check after a one-file edit takes, against a run of the whole test suite.

The repository is a real one: networkx's source release from PyPI (its test suite has some
5,600 tests in 250 files and takes a minute and a half on the reference machine). The check
runs in a local sandbox, the same code path as in a container. Three numbers, measured in the
same run:
- the check of a one-file edit with a cold baseline cache (the base statuses of the related
  test files are measured first);
- the same check with a warm cache, as every later run or policy on the same image pays;
- the whole suite, as a check without targeting would run it after every edit.

    python bench/check_targeted.py [--version 3.4.2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from harness.agent.baseline import BaselineCache
from harness.agent.edit_check import EditCheck
from harness.prompts import default_prompts
from harness.sandbox.local import LocalProvider
from harness.tasks import Task
from harness.tasks.bundled import materialize_repo
from harness.testsuite.suite import edit_check_suite

SOURCE = "networkx/algorithms/cycles.py"
EDIT = f"""--- a/{SOURCE}
+++ b/{SOURCE}
@@ -1,3 +1,4 @@
+# touched by the benchmark
 \"\"\"
 ========================
 Cycle finding algorithms
"""


def fetch(version: str, folder: Path) -> Path:
    """The source release, unpacked: a real repository with its tests."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"networkx=={version}",
            "-d",
            str(folder),
        ],
        check=True,
    )
    [archive] = folder.glob("networkx-*.tar.gz")
    with tarfile.open(archive) as release:
        release.extractall(folder, filter="data")
    return folder / f"networkx-{version}"


def networkx_task(version: str, folder: Path) -> Task:
    """A task whose repository is the source release at a fresh commit, with no tests of its
    own: for timing what runs on a real repository."""
    repo, commit = materialize_repo(fetch(version, folder))
    return Task(
        instance_id="networkx-bench",
        repo="networkx/networkx",
        base_commit=commit,
        problem_statement="",
        patch="",
        test_patch="",
        repo_path=repo,
    )


def timed_check(provider: LocalProvider, task: Task, cache: BaselineCache) -> float:
    sandbox = provider.start(task, provider.prepare(task))
    check = EditCheck(sandbox, edit_check_suite(task), cache, 600, default_prompts())
    started = time.monotonic()
    outcome, observation = check.edit(EDIT)
    seconds = time.monotonic() - started
    assert outcome == "ok", observation
    print(f"  {observation.splitlines()[1]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default="3.4.2", help="networkx release (default: 3.4.2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        task = networkx_task(args.version, Path(tmp))
        provider = LocalProvider()
        cache = BaselineCache("bench", Path(tmp) / "baselines")
        print(f"networkx {args.version}: a one-file edit to {SOURCE}")
        cold = timed_check(provider, task, cache)
        warm = timed_check(provider, task, cache)
        sandbox = provider.start(task, provider.prepare(task))
        started = time.monotonic()
        sandbox.run(edit_check_suite(task).command + " > /dev/null 2>&1", 1800)
        full = time.monotonic() - started
        provider.cleanup()
    print(f"{'check, cold base cache':<28} {cold:8.1f} s")
    print(f"{'check, warm base cache':<28} {warm:8.1f} s")
    print(f"{'whole suite':<28} {full:8.1f} s")
    print(
        f"the check of a one-file edit takes {warm / full:.1%} of a whole-suite run "
        f"({full / warm:.0f}x faster; {full / cold:.0f}x with a cold cache)"
    )


if __name__ == "__main__":
    main()
