import socket
import time
from dataclasses import replace

import pytest

from harness import HarnessError
from harness.sandbox.containers import LABEL, OWNER_LABEL, RUN_LABEL, collect_garbage
from harness.sandbox.docker import DockerProvider
from harness.sandbox.settings import SandboxSettings

from .conftest import containers_of, run_id


def test_commands_report_exit_codes_and_output(calc_sandbox):
    result = calc_sandbox.run("echo hello; ls calc; exit 3")
    assert result.exit_code == 3 and "hello" in result.output and "stats.py" in result.output
    assert calc_sandbox.run("pwd").output.strip() == "/testbed"


def test_a_command_that_never_ends_is_killed_and_the_sandbox_lives_on(calc_sandbox):
    started = time.monotonic()
    result = calc_sandbox.run("sleep 1000 & sleep 1000", timeout=1)
    assert result.timed_out and "timed out after 1 s" in result.output
    assert time.monotonic() - started < 10
    assert calc_sandbox.run("echo alive").output.strip() == "alive"


def test_huge_output_is_capped(calc_sandbox):
    result = calc_sandbox.run("head -c 100000000 /dev/zero | tr '\\0' x", timeout=60)
    assert result.exit_code == 0 and result.cut_bytes > 99_000_000
    assert len(result.output) < 25_000


def test_containers_are_locked_down(calc_sandbox):
    assert calc_sandbox.run("id -u").output.strip() != "0"
    offline = calc_sandbox.run(
        "python -c \"import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)\""
    )
    assert offline.exit_code != 0 and "unreachable" in offline.output.lower()
    attrs = calc_sandbox.container.attrs["HostConfig"]
    assert attrs["Privileged"] is False and attrs["CapDrop"] == ["ALL"]
    assert attrs["PidsLimit"] == 512 and attrs["Memory"] == 2 * 1024**3
    assert not attrs["Binds"]


def test_files_go_in_and_out_through_tar_archives(calc_sandbox):
    payload = bytes(range(256)) * 10
    calc_sandbox.write_file("/tmp/blob.bin", payload)
    assert calc_sandbox.read_file("/tmp/blob.bin") == payload
    assert calc_sandbox.read_file("/testbed/calc/__init__.py").startswith(b"from calc")
    with pytest.raises(HarnessError, match="no such file in the sandbox: /nope"):
        calc_sandbox.read_file("/nope")


def test_task_images_are_cached_by_content(docker, calc_task, calc_image):
    assert docker.prepare(calc_task) == calc_image
    changed = replace(calc_task, environment=replace(calc_task.environment, install="true"))
    assert docker.prepare(changed) != calc_image
    history = docker.start(calc_task, calc_image).run("git log --oneline | wc -l; git branch -a")
    assert history.output.split()[0] == "1"  # one commit, no other refs
    assert "remotes" not in history.output


def test_environment_setup_is_a_shared_layer_and_install_output_is_not_a_diff(docker, calc_task):
    env = replace(
        calc_task.environment,
        setup="mkdir -p /opt/env && touch /opt/env/marker",
        install="mkdir -p build && touch build/artifact",
    )
    task = replace(calc_task, environment=env)
    other = replace(task, instance_id="acme__calc-9", environment=replace(env, install=""))
    images = docker.images
    assert images.environment_image(task) == images.environment_image(other)
    assert images.environment_image(task).startswith("cascade-harness/env:")
    sandbox = docker.start(task, docker.prepare(task))
    try:
        assert sandbox.run("ls /opt/env/marker build/artifact").exit_code == 0
        assert sandbox.diff() == ""
    finally:
        sandbox.close()


def test_a_missing_base_commit_names_it(docker, calc_task):
    with pytest.raises(HarnessError, match="base_commit deadbeef not found"):
        docker.prepare(replace(calc_task, base_commit="deadbeef"))


def test_run_containers_carry_labels_and_cleanup_removes_them(docker, calc_task, calc_image):
    sandbox = docker.start(calc_task, calc_image)
    labels = sandbox.container.labels
    assert labels[LABEL] == "1" and labels[RUN_LABEL] == docker.run_id
    assert docker.cleanup() >= 1
    assert not containers_of(docker.client, docker.run_id)


def test_a_fork_bomb_is_contained(calc_sandbox):
    result = calc_sandbox.run("bomb() { bomb | bomb & }; bomb; sleep 3", timeout=8)
    assert calc_sandbox.run("echo alive").output.strip() == "alive"
    assert result.exit_code is not None
    # the bomb's processes died with its process group; init reaps them, maybe not at once
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        count = calc_sandbox.run("ps -e --no-headers | wc -l").output.split()[-1]
        if count.isdigit() and int(count) < 20:
            break
        time.sleep(0.5)
    assert count.isdigit() and int(count) < 20, count


def test_memory_past_the_limit_is_killed(docker, calc_task, calc_image):
    small = DockerProvider(
        docker.client, run_id=docker.run_id, settings=SandboxSettings(memory="128m")
    )
    sandbox = small.start(calc_task, calc_image)
    try:
        result = sandbox.run(
            "python -c \"x = bytearray(512 * 1024 * 1024); print('survived')\"", timeout=60
        )
        assert result.exit_code == 137 and "survived" not in result.output
        assert sandbox.run("echo alive").output.strip() == "alive"
    finally:
        sandbox.close()


def test_gc_removes_containers_of_dead_runs_only(docker_client, calc_task, calc_image):
    dead = DockerProvider(docker_client, run_id=run_id("dead"))
    dead._labels[OWNER_LABEL] = f"{socket.gethostname()}:999999999"  # no such process
    alive = DockerProvider(docker_client, run_id=run_id("alive"))
    dead.start(calc_task, calc_image)
    alive.start(calc_task, calc_image)
    try:
        removed = collect_garbage(docker_client)
        assert dead.run_id in removed and alive.run_id not in removed
        assert containers_of(docker_client, alive.run_id)
    finally:
        alive.cleanup()
        dead.cleanup()


def test_a_runs_cleanup_never_removes_another_live_runs_containers(
    docker_client, calc_task, calc_image
):
    shared = run_id("shared")  # two runs given the same --run-id
    first = DockerProvider(docker_client, run_id=shared)
    second = DockerProvider(docker_client, run_id=shared)
    mine = first.start(calc_task, calc_image)
    theirs = second.start(calc_task, calc_image)
    try:
        assert first.cleanup() == 1
        assert theirs.run("echo alive").output.strip() == "alive"
        assert second.cleanup() == 1
    finally:
        mine.close()
        theirs.close()


@pytest.mark.parametrize(
    "fault, reason",
    [
        (lambda c: c.kill(), "the sandbox container stopped (killed: exit code 137)"),
        (lambda c: c.remove(force=True), "the sandbox container was removed"),
    ],
)
def test_a_container_killed_from_outside_is_said_in_plain_words(
    docker, calc_task, calc_image, fault, reason
):
    from harness import InfrastructureError

    sandbox = docker.start(calc_task, calc_image)
    try:
        assert sandbox.run("echo up").output.strip() == "up"
        fault(sandbox.container)
        with pytest.raises(InfrastructureError) as stopped:
            sandbox.run("echo again")
        message = str(stopped.value)
        assert reason in message
        assert "Error" not in message and "Expecting value" not in message
        if "removed" in reason:  # a stopped container still takes files; a removed one not
            with pytest.raises(InfrastructureError) as writing:
                sandbox.write_file("x.txt", "x")
            assert reason in str(writing.value) and "Client Error" not in str(writing.value)
    finally:
        sandbox.close()


def test_a_command_that_kills_the_executor_is_said_in_plain_words(calc_sandbox):
    from harness import InfrastructureError

    with pytest.raises(InfrastructureError) as died:
        calc_sandbox.run("kill -9 $PPID; sleep 5")
    assert "the command runner in the sandbox died while running the command" in str(died.value)
    assert "StopIteration" not in str(died.value)
    assert calc_sandbox.run("echo alive").output.strip() == "alive"
