"""The report's table of what images cost, per node: waits for images, rate-limit waits and
bytes pulled, from the rows' fields; absent for rows that never pulled or waited (the
committed baselines, rows written before the fields existed)."""

from __future__ import annotations

import json

from .helpers import ROOT, result_row, run_cli, write_rows

NODE_A, NODE_B = "a1" * 28, "b2" * 28


def test_the_report_shows_waits_and_bytes_pulled_per_node(tmp_path, capsys):
    rows = [
        result_row("t-1", node=NODE_A, image_bytes_pulled=3 * 2**30, image_wait_s=12.5),
        result_row("t-2", node=NODE_A, image_bytes_pulled=2**30, registry_wait_s=30.0),
        result_row("t-3", "error", node=NODE_B, image_bytes_pulled=512 * 2**20, image_wait_s=2),
        result_row("t-4", node=NODE_B),
    ]
    code, out, _ = run_cli(capsys, "report", write_rows(tmp_path / "r.jsonl", rows))
    assert code == 0
    lines = out[out.index("Images, per node") :].splitlines()
    assert lines[1].split() == ["node", "rows", "waited", "for", "image", "image", "wait",
                                "rate-limit", "wait", "pulled"]  # fmt: skip
    assert lines[3].split() == [NODE_A[:12], "2", "1", "12.5", "s", "30.0", "s", "4.00GiB"]
    assert lines[4].split() == [NODE_B[:12], "2", "1", "2.0", "s", "0.0", "s", "512MiB"]


def test_rows_that_never_pulled_have_no_images_table(tmp_path, capsys):
    baseline = ROOT / "results" / "baseline-cascade.jsonl"
    old = json.loads(baseline.read_text().splitlines()[0])
    assert "image_wait_s" not in old  # written before the fields existed: they read as 0
    code, out, _ = run_cli(capsys, "report", str(baseline))
    assert code == 0 and "Images, per node" not in out
    local = write_rows(tmp_path / "l.jsonl", [result_row("t-1", image_bytes_pulled=10)])
    code, out, _ = run_cli(capsys, "report", local)
    assert "Images, per node" in out and "local" in out
