"""Progress: a bar with running totals on a terminal, one line per item elsewhere."""

import fcntl
import io
import os
import pty
import struct
import sys
import termios
from pathlib import Path

from harness import warn
from harness.commands.progress import Progress
from harness.commands.run import configure, parser
from harness.commands.run_totals import resumed_totals
from harness.results import resume
from harness.tasks import load_tasks

from .helpers import result_row, write_rows

TOTALS = {"resolved": "1", "errors": "0", "spent": "$0.001842"}


def test_off_a_terminal_each_finished_task_is_one_line_with_running_totals():
    out = io.StringIO()
    progress = Progress(12, stream=out, initial=2)
    progress.advance("acme__calc-1 resolved turns 5 $0.001842", TOTALS)
    progress.advance("acme__calc-2 error turns 0 $0.00", {**TOTALS, "errors": "1"})
    progress.close()
    assert out.getvalue().splitlines() == [
        "[ 3/12] acme__calc-1 resolved turns 5 $0.001842 | resolved 1, errors 0, spent $0.001842",
        "[ 4/12] acme__calc-2 error turns 0 $0.00 | resolved 1, errors 1, spent $0.001842",
    ]


def test_on_a_terminal_the_bar_shows_the_totals():
    out = io.StringIO()
    progress = Progress(2, stream=out, terminal=True)
    progress.advance("acme__calc-1 resolved", TOTALS)
    progress.close()
    text = out.getvalue()
    assert "1/2" in text and "resolved=1" in text and "spent=$0.001842" in text
    assert "acme__calc-1" not in text


def test_no_progress_prints_nothing():
    out = io.StringIO()
    progress = Progress(2, stream=out, enabled=False)
    progress.advance("acme__calc-1 resolved", TOTALS)
    progress.close()
    assert out.getvalue() == ""


def test_a_terminal_of_zero_columns_gets_one_line_per_task():
    master, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
    with os.fdopen(follower, "w") as stream:
        progress = Progress(3, stream=stream)
        progress.advance("acme__calc-1 resolved turns 5 $0.001842", TOTALS)
        progress.close()
    shown = os.read(master, 10_000).decode()
    os.close(master)
    assert "[1/3] acme__calc-1 resolved turns 5 $0.001842 | resolved 1" in shown


def test_a_warning_during_a_bar_is_printed_above_it_not_into_its_line(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    progress = Progress(2, stream=out, terminal=True)
    progress.advance("acme__calc-1 resolved", TOTALS)
    warn("note: Docker's storage driver cannot cap a container's disk")
    progress.advance("acme__calc-2 resolved", TOTALS)
    progress.close()
    lines = out.getvalue().replace("\r", "\n").splitlines()
    note = [line for line in lines if "note:" in line]
    assert note == ["note: Docker's storage driver cannot cap a container's disk"]


def test_a_resumed_run_counts_the_totals_of_the_rows_it_skips(tmp_path):
    config = configure(parser().parse_args(["--policy", "flash"]))
    tasks = load_tasks()[:4]
    run = config.identity("r0")
    identity = {name: getattr(run, name) for name in type(run).model_fields}
    rows = [
        result_row(tasks[0].instance_id, "resolved", 0.25, task_hash=tasks[0].content_hash),
        result_row(tasks[1].instance_id, "error", 0.5),  # run again: its spend counts
        result_row(tasks[1].instance_id, "unresolved", 0.125),
        result_row(tasks[2].instance_id, "error", 0.0625),  # not done with --rerun-errors
        result_row("elsewhere", "resolved", 8.0),  # not a task of this run
    ]
    for i, row in enumerate(rows):
        rows[i] = row.model_copy(update={**identity, "started_at": f"2026-01-01T00:0{i}:00Z"})
    output = Path(write_rows(tmp_path / "run.jsonl", rows))
    done = resume.finished(output, config.identity(""), tasks, retry_errors=True)
    assert len(done & {config.key(task) for task in tasks}) == 2
    totals = resumed_totals(output, config, tasks, done)
    assert (totals.resolved, totals.errors, totals.spent) == (1, 0, 0.9375)
    assert totals.shown() == {"resolved": "1", "errors": "0", "spent": "$0.9375"}
