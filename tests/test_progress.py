"""Progress: a bar with running totals on a terminal, one line per item elsewhere."""

import io

from harness.commands.progress import Progress

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
