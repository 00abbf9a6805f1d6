import time
from pathlib import Path

from harness.sandbox import executor


def test_the_executor_keeps_head_and_tail_of_long_output(tmp_path):
    reply = executor.run(
        "printf 'a%.0s' $(seq 50); printf 'b%.0s' $(seq 50); printf 'c%.0s' $(seq 50)",
        timeout=10,
        limit=40,
        cwd=str(tmp_path),
    )
    assert reply["head"] == "a" * 20 and reply["tail"] == "c" * 20
    assert (reply["cut"], reply["total"], reply["exit_code"]) == (110, 150, 0)
    short = executor.run("echo short; exit 4", timeout=10, limit=40, cwd=str(tmp_path))
    assert (short["head"] + short["tail"], short["cut"], short["exit_code"]) == ("short\n", 0, 4)


def test_the_executor_kills_the_process_group_on_timeout(tmp_path):
    marker = tmp_path / "survivor"
    reply = executor.run(
        f"(sleep 2; touch {marker}) & sleep 30", timeout=0.5, limit=1000, cwd=str(tmp_path)
    )
    assert reply["timed_out"] and reply["exit_code"] == 137
    time.sleep(2.5)
    assert not marker.exists()


def test_standard_input_reaches_the_command(tmp_path):
    data = "line\n" * 50_000  # more than a pipe holds: written while the command runs
    reply = executor.run("wc -l; echo done", timeout=10, limit=1000, cwd=str(tmp_path), stdin=data)
    assert reply["head"].split() == ["50000", "done"] and reply["exit_code"] == 0
    silent = executor.run(
        "echo ignores its input", timeout=10, limit=1000, cwd=str(tmp_path), stdin=data
    )
    assert silent["exit_code"] == 0


def test_quick_commands_never_lose_their_exit_code(tmp_path):
    """Output ends before the process is reaped: killing the group at that moment used to turn
    a `cat` that worked into exit 137 about half the time."""
    (tmp_path / "f.txt").write_text("hello\nworld\n" * 50)
    commands = ["cat f.txt", "grep -c hello f.txt", "ls", "head -n 3 f.txt", "wc -l f.txt"]
    codes = [
        executor.run(commands[i % 5], timeout=10, limit=20000, cwd=str(tmp_path))["exit_code"]
        for i in range(1000)
    ]
    assert codes.count(0) == 1000


def test_a_command_ends_when_its_own_process_exits_and_what_it_left_is_killed(tmp_path):
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    reply = executor.run(
        f"setsid sleep 60 & echo $! > {pid_file}; echo started",
        timeout=30,
        limit=1000,
        cwd=str(tmp_path),
    )
    assert time.monotonic() - started < 5
    assert (reply["exit_code"], reply["timed_out"], reply["head"]) == (0, False, "started\n")
    leftover = int(pid_file.read_text())
    time.sleep(0.2)
    assert (
        not Path(f"/proc/{leftover}").exists()
        or Path(f"/proc/{leftover}/stat").read_text().split()[2] == "Z"
    )


def test_a_command_that_closes_its_output_and_runs_on_still_times_out(tmp_path):
    reply = executor.run("exec >&-; sleep 30", timeout=1, limit=1000, cwd=str(tmp_path))
    assert reply["timed_out"] and reply["exit_code"] == 137
