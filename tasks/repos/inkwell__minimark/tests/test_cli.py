import io
import sys

from minimark.cli import main


def test_cli_reads_file_and_writes_output(tmp_path):
    src = tmp_path / "in.md"
    src.write_text("# Title\n\nSome *text*.\n", encoding="utf-8")
    out = tmp_path / "out.html"
    assert main([str(src), "-o", str(out), "--heading-ids"]) == 0
    assert out.read_text(encoding="utf-8") == '<h1 id="title">Title</h1>\n<p>Some <em>text</em>.</p>\n'


def test_cli_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("- a\n- b\n"))
    assert main([]) == 0
    assert capsys.readouterr().out == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"


def test_cli_full_page(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("hi"))
    main(["--page", "--title", "A & B"])
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>")
    assert "<title>A &amp; B</title>" in out
    assert "<body>\n<p>hi</p>\n</body>" in out
