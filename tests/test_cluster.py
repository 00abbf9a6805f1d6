"""`--ray` at the command line: without it Ray is never imported; with it, what cannot run on
a cluster is refused before any work, in one line."""

import subprocess
import sys

import pytest

from .conftest import run_id
from .ray_cluster import ROOT, environment

TASK = "acme__ledgerdb-1"
NO_RAY = """
import sys
from harness.cli import main
code = main(sys.argv[1:])
assert code == 0, code
assert not [name for name in sys.modules if name == "ray" or name.startswith("ray.")]
print("ray was not imported")
"""


def harness(*args: str, program: str | None = None) -> subprocess.CompletedProcess[str]:
    command = ["-c", program] if program else ["-m", "harness"]
    return subprocess.run(
        [sys.executable, *command, *args],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.docker
def test_a_run_without_ray_never_imports_it(tmp_path):
    result = harness(
        f"--instance-ids={TASK}",
        f"--output={tmp_path / 'rows.jsonl'}",
        f"--run-id={run_id('noray')}",
        "--no-progress",
        program=NO_RAY,
    )
    assert result.returncode == 0, result.stderr
    assert "ray was not imported" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--replay=tests"], "--record and --replay"),
        (["--ray-attempts=0"], "--ray-attempts must be positive"),
        (["--ray=not an address"], "--ray not an address: Invalid address"),
    ],
)
def test_what_cannot_run_on_a_cluster_is_bad_input(tmp_path, args, message):
    pytest.importorskip("ray")  # without the extra, --ray says so before anything else
    result = harness("--ray", f"--instance-ids={TASK}", f"--output={tmp_path / 'r'}", *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1].startswith("harness: error: ")
    assert message in result.stderr and "Traceback" not in result.stderr


def test_no_cluster_at_the_address_says_how_to_start_one(tmp_path):
    pytest.importorskip("ray")
    result = harness("--ray=127.0.0.1:9", f"--instance-ids={TASK}", f"--output={tmp_path}/r")
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("harness:")]
    assert "cannot join a Ray cluster at 127.0.0.1:9" in line and "ray start --head" in line
    assert "Traceback" not in result.stderr
