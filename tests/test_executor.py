import time

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
