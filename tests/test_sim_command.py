"""`sim fit`, `--sim-params` and `sim validate` from the command line: bad input, and the whole
path on Docker with real runs of a scripted family on the mini suite's task."""

import json

import pytest

from harness.agent.policy import BUILTIN
from harness.models.factory import ModelFamily, ModelSettings
from harness.models.sim import malformed_edit, wrong_edit
from harness.models.sim_params import load_params
from harness.pricing import load_prices
from harness.results import ResultStore
from harness.runner import RunConfig, run_tasks
from harness.sandbox.docker import DockerProvider

from .conftest import MINI_SUITE, run_id
from .fake_openai import FakeOpenAI
from .helpers import harness
from .scripted_family import ScriptedFamily, Suite

KEY = "SCRIPTED_API_KEY"


def synthetic_results(tmp_path):
    path = tmp_path / "sim.jsonl"
    row = {
        "instance_id": "t", "model_name_or_path": "sim:flash:f", "model_patch": "",
        "run_id": "r", "policy": "flash", "policy_hash": "h", "backend": "sim",
        "synthetic": True, "seed": 0, "price_table": "p", "status": "resolved",
        "schema_version": 3,
    }  # fmt: skip
    path.write_text(json.dumps(row) + "\n")
    return path


def real_row_without_trajectory(tmp_path):
    path = tmp_path / "real.jsonl"
    row = json.loads(synthetic_results(tmp_path).read_text())
    row.update(synthetic=False, backend="openai", trajectory="gone.json")
    path.write_text(json.dumps(row) + "\n")
    return path


@pytest.mark.parametrize(
    "args, message",
    [
        (["sim"], "the following arguments are required"),
        (["sim", "fit", "/no/such.jsonl", "--output", "x.toml"], "results file not found"),
        (["sim", "fit", "{synthetic}", "--output", "x.toml"], "row(s) of simulated models"),
        (["sim", "fit", "{real}", "--output", "x.toml"], "trajectory of t unreadable"),
        (["sim", "validate", "{real}", "--replicates", "1"], "trajectory of t unreadable"),
        (["--sim-params", "/no/params.toml"], "parameters /no/params.toml: not found"),
        (["--sim-params", "{synthetic}", "--backend", "openai"], "not with --backend openai"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    files = {"synthetic": synthetic_results(tmp_path)}
    files["real"] = real_row_without_trajectory(tmp_path)
    result = harness(*(a.format(**files) for a in args))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def real_runs(docker_client, calc_task, tmp_path_factory):
    """Runs of a scripted family on the calc task, in Docker: pro and flash twice, the
    cascade once."""
    root = tmp_path_factory.mktemp("real")
    task = calc_task
    suite = Suite(
        [task], {task.instance_id: wrong_edit(task.patch) or ""},
        {task.instance_id: malformed_edit(task.patch)},
    )  # fmt: skip
    family = ScriptedFamily(suite, {task.instance_id: {"flash": 0.4, "pro": 0.7}})
    files = []
    with pytest.MonkeyPatch.context() as env, FakeOpenAI(family) as server:
        env.setenv(KEY, "scripted")
        settings = ModelSettings(backend="openai", base_url=server.url, api_key_env=KEY)
        for name, seeds in (("pro", 2), ("flash", 2), ("cascade", 1)):
            files.append(root / f"{name}.jsonl")
            for seed in range(seeds):
                family.seed = f"{name}-{seed}"
                family_of_run = ModelFamily(settings, "openai", seed=seed)
                config = RunConfig(BUILTIN[name], load_prices(), family_of_run)
                provider = DockerProvider(docker_client, run_id=run_id(f"{name}{seed}"))
                try:
                    run_tasks([task], config, provider, ResultStore(files[-1]))
                finally:
                    provider.cleanup()
    return root, files


@pytest.mark.docker
def test_fit_run_report_and_validate_from_the_command_line(real_runs, tmp_path):
    root, files = real_runs
    calibration = tmp_path / "calibrated.toml"
    fitted = harness("sim", "fit", *map(str, files), "--output", str(calibration))
    assert fitted.returncode == 0, fitted.stderr
    assert "solve probability, tier mean" in fitted.stdout
    assert "calibrated from 5 run(s), 5 task run(s)" in fitted.stdout
    params = load_params(calibration)

    output = tmp_path / "simulated.jsonl"
    args = ["--sim-params", str(calibration), "--dataset", str(MINI_SUITE), "--policy", "cascade"]
    simulated = harness(*args, "--output", str(output), "--run-id", run_id("calibrated"))
    assert simulated.returncode == 0, simulated.stderr
    assert "calibrated from 5 run(s)" in simulated.stderr
    [row] = [json.loads(line) for line in output.read_text().splitlines()]
    assert row["synthetic"] is True
    assert row["settings"]["sim_params"] == params.digest
    assert row["settings"]["sim_calibrated_from"] == 5
    report = harness("report", str(output))
    assert report.returncode == 0
    assert "cascade* is synthetic, from simulated models calibrated from 5 run(s)" in report.stdout
    assert params.digest in report.stdout and "synthetic" in report.stdout

    validated = harness(
        "sim", "validate", *map(str, files), "--dataset", str(MINI_SUITE),
        "--predict", "cascade", "--replicates", "2", "--workers", "1",
    )  # fmt: skip
    assert validated.returncode in (0, 1), validated.stderr
    assert "policy cascade" in validated.stdout and "calibration error" in validated.stdout
    outside = "outside their prediction interval" in validated.stdout
    assert outside == (validated.returncode == 1)
