"""The copy-ready CI recipe (docs/ci/routing-gate.yml): its gate and summary steps run as
written, and the commands they use need none of the optional extras."""

import os
import subprocess
import sys

import pytest
import yaml

from harness.results import ResultRow

from .helpers import ROOT, write_rows

RECIPE = ROOT / "docs" / "ci" / "routing-gate.yml"
BASELINE = ROOT / "results" / "baseline-cascade.jsonl"
# What the extras bring (ray, plot, test): the gate's commands must run without them.
EXTRAS = ("ray", "matplotlib", "pytest", "jsonschema", "selenium", "hypothesis", "mypy")
WITHOUT_EXTRAS = f"""
import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {EXTRAS!r}:
            raise ImportError(f"{{name}} is an extra")
sys.meta_path.insert(0, Refuse())
from harness.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def steps():
    workflow = yaml.safe_load(RECIPE.read_text())
    [job] = workflow["jobs"].values()
    return job["env"], {step.get("name"): step for step in job["steps"]}


def candidate(tmp_path, cost_factor):
    rows = [ResultRow.from_json(line) for line in BASELINE.read_text().splitlines()]
    changed = [
        r.model_copy(update={"run_id": "candidate", "cost_usd": r.cost_usd * cost_factor})
        for r in rows
    ]
    return write_rows(tmp_path / "candidate.jsonl", changed)


def run_step(step, env, tmp_path, candidate_path):
    """A step's script as the runner runs it (bash -e), `python` being this one without the
    extras."""
    shim = tmp_path / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "python").write_text(
        f'#!/bin/sh\nshift 2\nexec {sys.executable} -c "$WITHOUT_EXTRAS" "$@"\n'
    )  # `python -m harness ARGS` -> the harness's main with ARGS
    (shim / "python").chmod(0o755)
    summary = tmp_path / "summary.md"
    environment = {
        **os.environ,
        **env,
        "BASELINE": str(BASELINE),
        "CANDIDATE": candidate_path,
        "GITHUB_STEP_SUMMARY": str(summary),
        "PATH": f"{shim}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "WITHOUT_EXTRAS": WITHOUT_EXTRAS,
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, summary.read_text() if summary.exists() else ""


def test_the_recipe_installs_without_extras_and_documents_the_base_image(steps):
    env, by_name = steps
    runs = [step.get("run", "") for step in by_name.values()]
    assert "pip install ." in runs  # no [ray], no [test]
    assert "HARNESS_BASE_IMAGE" in env and "python -m harness setup" in runs
    gate = next(name for name in by_name if name == "Gate")
    assert "--format github" in by_name[gate]["run"]
    assert by_name["Summary"]["if"] == "always()"


def test_the_gate_step_annotates_and_the_summary_step_writes_the_verdict(steps, tmp_path):
    env, by_name = steps
    same = candidate(tmp_path, 1.0)
    done, _ = run_step(by_name["Gate"], env, tmp_path, same)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("::notice title=harness check::")
    assert "ModuleNotFoundError" not in done.stderr and "is an extra" not in done.stderr
    done, summary = run_step(by_name["Summary"], env, tmp_path, same)
    assert done.returncode == 0, done.stderr
    assert summary.startswith("## Routing gate: policy careful")
    assert "check passed: within bounds" in summary
    assert "| run_id | tasks |" in summary and "| run_id=candidate\\* |" in summary


def test_the_gate_step_fails_the_job_on_a_cost_rise(steps, tmp_path):
    env, by_name = steps
    dearer = candidate(tmp_path, 1.5)
    done, _ = run_step(by_name["Gate"], env, tmp_path, dearer)
    assert done.returncode == 1
    assert (
        "::error title=harness check%3A cost per resolved task::cost per resolved task rose 50.0%"
        in done.stdout
    )


def test_compare_runs_without_the_extras(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS, "compare", str(BASELINE), candidate(tmp_path, 1.0)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "paired tasks: 40" in done.stdout
