"""The disk limit of a sandbox (--disk): one big file, many small ones, and the sandbox after.

This machine's storage driver (overlay2 on ext4) cannot cap a container's disk, so here the
limit holds through a file-size limit and the watchdog; where the driver can, through
--storage-opt. Either way a command that fills the disk is stopped and says why."""

import time

import pytest

from harness.sandbox.disk import writable_size
from harness.sandbox.docker import DockerProvider
from harness.sandbox.settings import SandboxSettings

from .conftest import run_id

LIMIT = 200 * 2**20


@pytest.fixture
def small_disk(docker_client, calc_task, calc_image, capsys):
    provider = DockerProvider(
        docker_client, run_id=run_id("disk"), settings=SandboxSettings(disk="200m")
    )
    sandbox = provider.start(calc_task, calc_image)
    yield provider, sandbox, capsys.readouterr().err
    provider.cleanup()


def written(sandbox) -> int:
    total = "find /tmp -type f -printf '%s\\n' | awk '{s += $1} END {print s + 0}'"
    return int(sandbox.run(total).output.split()[-1])


def test_one_file_past_the_limit_is_stopped_at_the_limit(small_disk):
    provider, sandbox, notes = small_disk
    started = time.monotonic()
    result = sandbox.run("dd if=/dev/zero of=/tmp/big bs=1M count=1000", timeout=60)
    assert time.monotonic() - started < 15
    assert result.exit_code != 0 and result.disk_full
    assert "disk limit of 200m was reached" in result.output
    assert written(sandbox) <= LIMIT
    if provider.disk_enforcement == "watchdog":  # the driver cannot: the run says so, once
        assert "cannot cap a container's disk" in notes


def test_many_small_files_past_the_limit_are_stopped_by_the_watchdog(small_disk):
    _, sandbox, _ = small_disk
    started = time.monotonic()
    fill = "for i in $(seq 100); do head -c 20M /dev/zero > /tmp/f$i || exit 1; sleep 0.05; done"
    result = sandbox.run(fill, timeout=120)
    elapsed = time.monotonic() - started
    assert result.disk_full and "disk limit of 200m was reached" in result.output
    assert not result.timed_out and elapsed < 20
    assert written(sandbox) < LIMIT + 200 * 2**20  # stopped soon after the limit, not at 2 GB
    # the sandbox lives on: deleting frees the space, and commands run as before
    assert sandbox.run("rm -f /tmp/f*").exit_code == 0
    after = sandbox.run("echo fine && head -c 1M /dev/zero > /tmp/small")
    assert after.exit_code == 0 and not after.disk_full and "fine" in after.output


def processes(sandbox, pattern: str) -> int:
    """Processes in the container whose command line starts with `pattern` (the image has no
    ps: /proc is read)."""
    lines = "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done"
    return sandbox.run(lines).output.splitlines().count(pattern)


def test_a_writer_that_leaves_the_command_session_and_mark_is_stopped(small_disk):
    provider, sandbox, _ = small_disk
    # 1 GB in files under the file-size limit, from a process that sheds the executor's mark
    # (env -i), leaves the command's session (setsid) and outlives the command; then it waits
    writer = "for i in $(seq 100); do head -c 10M /dev/zero > /tmp/e$i; sleep 0.05; done; sleep 600"
    # (the command waits a moment, so that the writer has shed the mark when the command ends)
    begun = time.monotonic()
    started = sandbox.run(f"env -i setsid sh -c '{writer}' > /dev/null 2>&1 & sleep 0.3")
    assert started.exit_code == 0 and not started.disk_full
    assert processes(sandbox, f"sh -c {writer} ") == 1  # it outlived its command
    # the sandbox is idle, as while the agent waits for its model, until the layer stops growing
    sizes = [writable_size(sandbox.container)]
    while time.monotonic() - begun < 40 and not (sizes[-1] > LIMIT and sizes[-1] == sizes[-2]):
        time.sleep(1)
        sizes.append(writable_size(sandbox.container))
    after = sandbox.run("echo hello")
    assert after.disk_full and "disk limit of 200m was reached" in after.output
    if provider.disk_enforcement == "watchdog":
        assert processes(sandbox, f"sh -c {writer} ") == 0  # stopped, not left to wait
    assert written(sandbox) < LIMIT + 150 * 2**20  # 1 GB was on its way
    # told once: the sandbox lives on, and the next command is not marked
    assert not sandbox.run("rm -f /tmp/e*").disk_full
    assert sandbox.run("echo fine").output.strip() == "fine"


def test_measurements_come_sooner_while_the_layer_grows_toward_the_limit():
    from harness.sandbox.disk import MIN_POLL_S, POLL_S, next_poll

    mb = 2**20
    assert next_poll(10 * mb, 0, LIMIT, 0.001) == POLL_S  # nothing grows: the usual pace
    assert next_poll(10 * mb, 0, LIMIT, 0.1) == pytest.approx(2.0)  # costly: 5% of the time
    assert next_poll(100 * mb, 100 * mb, LIMIT, 0.001) == pytest.approx(0.5)  # 1 s to go
    assert next_poll(190 * mb, 100 * mb, LIMIT, 0.001) == pytest.approx(0.05)
    assert next_poll(199 * mb, 1000 * mb, LIMIT, 0.001) == MIN_POLL_S
    assert next_poll(300 * mb, 100 * mb, LIMIT, 0.001) == POLL_S  # past it: stopped already
