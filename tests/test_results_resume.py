"""Resuming a results file: only rows of the same configuration and the same tasks are done;
a file written under another one is refused, unless this run is asked to be appended to it."""

import json
from dataclasses import replace

import pytest

from harness import HarnessError
from harness.agent.loop import Limits
from harness.agent.policy import BUILTIN
from harness.models.factory import ModelFamily, ModelSettings
from harness.models.wire import ModelOptions
from harness.pricing import PriceTable, load_prices
from harness.reporting.collect import collect
from harness.results import ResultStore, read_rows
from harness.runner import RunConfig, run_tasks
from harness.sandbox.settings import SandboxSettings

PRICES = load_prices()
FLASH = RunConfig(policy=BUILTIN["flash"], prices=PRICES, limits=Limits(max_steps=6))


def run(path, config, tasks, provider, **options):
    with ResultStore(path) as store:
        return run_tasks(tasks, config, provider, store, **options)


@pytest.fixture(scope="module")
def flash_rows(calc_task, tmp_path_factory):
    """The results file of one flash run on the calc task, made once for the module."""
    from harness.sandbox.local import LocalProvider

    path = tmp_path_factory.mktemp("first") / "out.jsonl"
    provider = LocalProvider()
    try:
        run(path, FLASH, [calc_task], provider)
    finally:
        provider.cleanup()
    return path.read_bytes()


@pytest.fixture
def resumed(tmp_path, flash_rows):
    """A results file that holds the flash run's row, to resume."""
    path = tmp_path / "out.jsonl"
    path.write_bytes(flash_rows)
    return path


def other_prices():
    return PriceTable("2099-01", PRICES.models)


def edited_prices():
    """The bundled table with its prices raised, its version left as it was."""
    dearer = {
        name: price.model_copy(update={"output": price.output * 3.5})
        for name, price in PRICES.models.items()
    }
    return PriceTable(PRICES.version, dearer)


CHANGES = {
    "policy rules": lambda c, t: (replace(c, policy=replace(c.policy, vote_samples=3)), t),
    "backend": lambda c, t: (replace(c, models=replace(c.models, backend="openai")), t),
    "models": lambda c, t: (
        replace(c, models=replace(c.models, settings=ModelSettings(flash_model="flash-2"))),
        t,
    ),
    "model options": lambda c, t: (
        replace(c, models=replace(c.models, options=ModelOptions(temperature=0.5))),
        t,
    ),
    "price table": lambda c, t: (replace(c, prices=other_prices()), t),
    "price table content": lambda c, t: (replace(c, prices=edited_prices()), t),
    "limits": lambda c, t: (replace(c, limits=Limits(max_steps=7)), t),
    "sandbox settings": lambda c, t: (replace(c, sandbox=SandboxSettings(network=True)), t),
    "task content": lambda c, t: (c, [replace(t[0], problem_statement="another issue")]),
}


@pytest.mark.parametrize("what", CHANGES)
def test_a_file_of_another_configuration_or_dataset_is_refused_untouched(
    resumed, local, calc_task, what
):
    path = resumed
    before = path.read_bytes()
    config, tasks = CHANGES[what](FLASH, [calc_task])
    with pytest.raises(HarnessError) as refused:
        run(path, config, tasks, local)
    message = str(refused.value)
    assert what in message and "--append-run" in message and "\n" not in message
    assert path.read_bytes() == before


@pytest.mark.parametrize("what", ["policy rules", "limits", "task content"])
def test_append_run_adds_a_new_run_to_the_file_and_keeps_the_old_rows(
    resumed, local, calc_task, what
):
    path = resumed
    before = path.read_bytes()
    config, tasks = CHANGES[what](FLASH, [calc_task])
    [again] = run(path, config, tasks, local, append_run=True)
    assert path.read_bytes().startswith(before)
    assert len(path.read_text().splitlines()) == 2
    # appended once; the same configuration resumes as done from now on
    assert run(path, config, tasks, local, append_run=True) == []
    with pytest.raises(HarnessError, match="--append-run"):  # the other run's rows are there
        run(path, config, tasks, local)
    # and the first run's rows still count as done for its own configuration
    assert run(path, FLASH, [calc_task], local, append_run=True) == []
    # a report counts both runs' results: the appended row is not a rerun of the first
    collected = collect([path])
    [summary] = collected.summaries()
    assert (summary.metrics.tasks, summary.metrics.retried) == (2, 0)
    assert any("results under several configurations" in note for note in summary.notes)


def test_the_same_configuration_resumes_and_other_policies_and_seeds_do_not_conflict(
    resumed, local, calc_task
):
    path = resumed
    assert run(path, FLASH, [calc_task], local) == []
    pro = replace(FLASH, policy=BUILTIN["pro"], prices=other_prices())
    assert len(run(path, pro, [calc_task], local)) == 1
    seed1 = replace(FLASH, models=replace(FLASH.models, seed=1))
    assert len(run(path, seed1, [calc_task], local)) == 1
    rows = read_rows(path)
    assert {(r.policy, r.seed) for r in rows} == {("flash", 0), ("pro", 0), ("flash", 1)}
    assert all(r.task_hash == calc_task.content_hash for r in rows)


def test_rows_of_an_older_harness_resume_on_what_they_record(resumed, local, calc_task):
    path = resumed
    old = json.loads(path.read_text())
    old.update(schema_version=2, task_hash="")
    for key in ("task_hash", "retries", "retry_wait_s"):
        old.pop(key, None)
    old["settings"].pop("sandbox")
    old["settings"]["model_options"].pop("temperature")
    path.write_text(json.dumps(old) + "\n")
    assert run(path, FLASH, [calc_task], local) == []


def test_a_sim_row_is_not_done_for_a_run_on_a_real_backend(resumed, local, calc_task):
    path = resumed
    real = replace(FLASH, models=ModelFamily(backend="openai"))
    with pytest.raises(HarnessError, match="backend sim in the file, openai in this run"):
        run(path, real, [calc_task], local)
