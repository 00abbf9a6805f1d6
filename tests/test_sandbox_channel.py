"""Commands in official-layout images: the conda test environment active, the image's user, an
executor found under /opt/miniconda3, and `docker exec` per command without any Python."""

from dataclasses import replace

import pytest

from harness import InfrastructureError
from harness.agent.loop import Agent
from harness.agent.policy import BUILTIN
from harness.pricing import load_prices
from harness.sandbox.channel import NO_PYTHON_WARNING, ExecPerCommand, Executor
from harness.tasks import load_tasks

from .helpers import Scripted, fence


@pytest.fixture
def official_tasks(official_dataset):
    return {task.instance_id: task for task in load_tasks(str(official_dataset))}


@pytest.fixture
def toolz(docker, official_tasks):
    task = official_tasks["pytoolz__toolz-1"]
    sandbox = docker.start(task, docker.prepare(task))
    yield sandbox
    sandbox.close()


@pytest.fixture
def shell_only(docker, official_tasks):
    task = official_tasks["shellkit__shellcalc-1"]
    sandbox = docker.start(task, docker.prepare(task))
    yield sandbox
    sandbox.close()


def test_the_image_keeps_python_only_in_its_conda_folder(docker_client, official_images):
    image = official_images["pytoolz__toolz-1"]
    script = "command -v python3 python; find / -xdev -path '*/bin/python*' -type f"
    found = docker_client.containers.run(image, ["bash", "-c", script], remove=True).decode()
    assert found.split() and all(p.startswith("/opt/miniconda3/bin/") for p in found.split())


def test_commands_run_in_the_activated_test_environment_as_the_images_user(toolz):
    result = toolz.run("python -c 'import sys, pytest; print(sys.prefix)'; id -u; pwd")
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["/opt/miniconda3/envs/testbed", "0", "/testbed"]
    assert isinstance(toolz._executor, Executor) and toolz.warnings == []
    assert toolz.found.python == "/opt/miniconda3/bin/python3"
    assert toolz.run("echo $CONDA_DEFAULT_ENV").output.strip() == "testbed"


def test_an_environment_that_does_not_activate_fails_before_any_work(docker, official_tasks):
    task = official_tasks["pytoolz__toolz-1"]
    broken = replace(task, environment=replace(task.environment, activate="conda activate nosuch"))
    with pytest.raises(InfrastructureError, match="the test environment does not activate"):
        docker.start(broken, docker.prepare(broken))


def test_without_any_python_commands_go_through_docker_exec(shell_only):
    assert shell_only.warnings == [NO_PYTHON_WARNING]
    ran = shell_only.run("echo hello; exit 3")
    assert (ran.exit_code, ran.output.strip()) == (3, "hello")
    assert isinstance(shell_only._executor, ExecPerCommand)
    assert shell_only.run("tr a-z A-Z", stdin="shout\n").output.strip() == "SHOUT"
    slow = shell_only.run("echo started; sleep 30", timeout=1)
    assert slow.timed_out and "started" in slow.output
    shell_only.output_limit = 1000
    big = shell_only.run("seq 1 100000")
    assert big.cut_bytes > 0 and big.output.startswith("1\n2\n") and "100000" in big.output
    before = shell_only.snapshot()
    shell_only.run("echo 'sub() { echo $(($1 - $2)); }' >> calc.sh")
    assert "+sub()" in shell_only.diff()
    shell_only.restore(before)
    assert shell_only.diff() == ""


def test_the_trajectory_says_when_commands_go_through_docker_exec(shell_only, official_tasks):
    task = official_tasks["shellkit__shellcalc-1"]
    model = Scripted(
        "deepseek-v4-pro",
        [fence("bash", "bash tests/run.sh"), fence("diff", task.patch), "```submit\n```"],
    )
    agent = Agent({"pro": model}, BUILTIN["pro"], load_prices())
    trajectory = agent.solve(task, shell_only)
    assert trajectory.warnings == [NO_PYTHON_WARNING]
    assert "PASSED tests/test_calc.sh::test_add" in trajectory.turns[0].observation
    assert "+sub()" in trajectory.patch
