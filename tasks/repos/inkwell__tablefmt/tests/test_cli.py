import io
import sys

from tablefmt.cli import main

CSV = "name,qty,price\nbolt,1200,0.25\nnut,35,0.1\n"


def test_cli_reads_csv_file(tmp_path, capsys):
    path = tmp_path / "parts.csv"
    path.write_text(CSV, encoding="utf-8")
    assert main([str(path), "--floatfmt", ".2f"]) == 0
    assert capsys.readouterr().out == (
        "name   qty  price\n"
        "----  ----  -----\n"
        "bolt  1200   0.25\n"
        "nut     35   0.10\n"
    )


def test_cli_markdown_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(CSV))
    main(["--style", "markdown", "--thousands-sep", ","])
    assert capsys.readouterr().out.splitlines()[2] == "| bolt | 1,200 |  0.25 |"


def test_cli_no_header_and_delimiter(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a;1\nb;22\n"))
    main(["--no-header", "-d", ";", "--style", "plain"])
    assert capsys.readouterr().out == "a   1\nb  22\n"


def test_cli_missing_text_cells(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("k,v\nx,\ny,z\n"))
    main(["--missing", "-", "--style", "plain"])
    assert capsys.readouterr().out == "k  v\nx  -\ny  z\n"
