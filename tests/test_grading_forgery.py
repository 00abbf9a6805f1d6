"""The forgery catalogue (tests/forgeries.py), graded through `python -m harness grade` on images
laid out like SWE-bench's: no forgery resolves, each is marked suspicious for what it did, and
honest patches resolve without a mark. The second test grades each forgery that works in these
images with the guard and the harness's own pytest record turned off: it resolves, so the first
test would fail without them."""

from __future__ import annotations

import difflib
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
import pytest

from harness.grading import grade
from harness.grading.guard import Guard, Protection
from harness.sandbox.docker import DockerProvider
from harness.tasks import load_tasks

from .conftest import run_id
from .forgeries import FORGERIES, HONEST, Forgery
from .helpers import harness
from .official_images import rows

pytestmark = [pytest.mark.docker, pytest.mark.scenario]


@pytest.fixture(scope="module")
def catalogue_rows(official_images):
    return {row["instance_id"]: row for row in rows() + rows("runners")}


@pytest.fixture(scope="module")
def patches(docker_client, catalogue_rows):
    """Every entry of the catalogue as a patch against its image."""
    files: dict[tuple[str, str], str | None] = {}

    def base_file(image: str, path: str) -> str | None:
        if (image, path) not in files:
            try:
                data = docker_client.containers.run(image, ["cat", path], remove=True)
                files[image, path] = data.decode()
            except docker.errors.ContainerError:
                files[image, path] = None
        return files[image, path]

    return {
        entry.name: patch_of(
            entry,
            lambda path, row=catalogue_rows[entry.instance_id]: base_file(row["image"], path),
            catalogue_rows[entry.instance_id]["patch"],
        )
        for entry in FORGERIES + HONEST
    }


def write_dataset(tmp_path, catalogue_rows) -> Path:
    dataset = tmp_path / "rows.jsonl"
    dataset.write_text("".join(json.dumps(row) + "\n" for row in catalogue_rows.values()))
    return dataset


def graded_rows(tmp_path, catalogue_rows, patches, entries: list[Forgery]) -> dict[str, dict]:
    dataset = write_dataset(tmp_path, catalogue_rows)
    models = {f"entry-{i:02d}": entry for i, entry in enumerate(entries)}
    predictions = tmp_path / "preds.json"
    predictions.write_text(
        json.dumps(
            [
                {
                    "instance_id": e.instance_id,
                    "model_name_or_path": m,
                    "model_patch": patches[e.name],
                }
                for m, e in models.items()
            ]
        )
    )
    output = tmp_path / "graded.jsonl"
    result = harness(
        "grade", str(predictions), "--dataset", str(dataset), "--output", str(output),
        "--workers", "2", "--no-progress", "--run-id", run_id("forgery"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    graded = [json.loads(line) for line in output.read_text().splitlines()]
    return {models[row["model_name_or_path"]].name: row for row in graded}


def diff(path: str, old: str | None, new_text: str, mode: str = "100644") -> str:
    """A git-style diff that turns `old` (None: no file) into `new_text`."""
    if old is None:
        header = f"diff --git a/{path} b/{path}\nnew file mode {mode}\n--- /dev/null\n"
        body = difflib.unified_diff([], new_text.splitlines(True), n=3)
        return header + f"+++ b/{path}\n" + "".join(list(body)[2:])
    body = difflib.unified_diff(old.splitlines(True), new_text.splitlines(True), n=3)
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n" + "".join(list(body)[2:])


def patch_of(forgery: Forgery, base_file, gold: str) -> str:
    """The forgery as a patch; `base_file(path)` reads a file of its image (None: none)."""
    parts = [gold] if forgery.gold else []
    for path, change in forgery.changes.items():
        old = base_file(path)
        if change.text is not None:
            parts.append(diff(path, old, change.text, change.mode))
            continue
        assert old is not None, path
        text = change.prepend + old + change.append
        if change.replace:
            assert change.replace[0] in text, (path, change.replace[0])
            text = text.replace(*change.replace)
        parts.append(diff(path, old, text))
    return "".join(parts)


def test_no_forgery_resolves_and_honest_patches_do(tmp_path, catalogue_rows, patches):
    graded = graded_rows(tmp_path, catalogue_rows, patches, FORGERIES + HONEST)
    outcomes = {name: (row["status"], row["suspicious"]) for name, row in graded.items()}
    for entry in FORGERIES:
        status, suspicious = outcomes[entry.name]
        assert status == "unresolved", (entry.name, graded[entry.name]["reason"])
        assert entry.mark in suspicious, (entry.name, suspicious)
    for entry in HONEST:
        assert outcomes[entry.name] == ("resolved", ""), (entry.name, graded[entry.name])


def test_each_forgery_that_works_here_resolves_without_the_defences(
    docker_client, catalogue_rows, patches, monkeypatch, tmp_path
):
    """The catalogue's forgeries are real: with the guard doing nothing and the harness's own
    pytest record ignored, grading takes each for a fix."""
    monkeypatch.setattr(Guard, "protect", lambda self: Protection())
    evaluate = sys.modules["harness.grading.evaluate"]  # the package's name is its function's
    monkeypatch.setattr(evaluate, "cross_check", lambda *args, **kw: None)
    tasks = {t.instance_id: t for t in load_tasks(str(write_dataset(tmp_path, catalogue_rows)))}
    sandboxes = DockerProvider(docker_client, run_id=run_id("undefended"))
    working = [entry for entry in FORGERIES if entry.works]

    def verdict(entry: Forgery) -> str:
        task = tasks[entry.instance_id]
        return grade(task, patches[entry.name], sandboxes, sandboxes.prepare(task), 300).status

    try:
        with ThreadPoolExecutor(2) as pool:
            statuses = dict(zip([e.name for e in working], pool.map(verdict, working)))
    finally:
        sandboxes.cleanup()
    assert statuses == dict.fromkeys(statuses, "resolved")
