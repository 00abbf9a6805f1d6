from cronexpr.cli import main


def test_cli_lists_next_times(capsys):
    assert main(["0 12 * * *", "-n", "2", "--start", "2024-03-01T13:00"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2024-03-02 12:00",
        "2024-03-03 12:00",
    ]


def test_cli_reverse(capsys):
    assert main(["0 12 * * *", "-n", "1", "--start", "2024-03-01T13:00", "--reverse"]) == 0
    assert capsys.readouterr().out.splitlines() == ["2024-03-01 12:00"]


def test_cli_check(capsys):
    assert main(["*/5 * * * *", "--check"]) == 0
    assert capsys.readouterr().out.strip() == "ok"


def test_cli_reports_parse_errors(capsys):
    assert main(["99 * * * *"]) == 2
    assert "out of range" in capsys.readouterr().err


def test_cli_reports_impossible_expression(capsys):
    assert main(["0 0 31 4 *", "--start", "2024-01-01"]) == 1
    assert "no run time" in capsys.readouterr().err
