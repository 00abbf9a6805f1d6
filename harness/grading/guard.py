"""Keeping the model's patch away from how tests are run and reported.

A patch that adds a `conftest.py` forcing every report to "passed" would otherwise be graded
resolved. Before the tests run, grading puts back every change the patch made to test-runner
configuration and plugins, and the verdict says so (`suspicious`):
- any `conftest.py`, `pytest.ini`, `sitecustomize.py`, `usercustomize.py` or `.pth` file;
- the test sections of `setup.cfg`, `tox.ini` and `pyproject.toml` (pytest, tox), and pytest
  plugin entry points (`pytest11`) there or in `setup.py`;
- the files the test command itself runs (Django's `tests/runtests.py`, SymPy's `bin/test`).

A `conftest.py` the patch adds in a folder of its own (next to the model's own new tests) only
serves those tests, which grading never runs: it is removed without marking the row.
"""

from __future__ import annotations

import configparser
import fnmatch
import posixpath
import shlex
import tomllib
from typing import Any

from harness.diffs import parse
from harness.sandbox import Sandbox

ALWAYS = ("conftest.py", "pytest.ini", "sitecustomize.py", "usercustomize.py")
INI_SECTIONS = ("pytest", "tool:pytest", "tox", "tox:*", "testenv", "testenv:*")
TOML_KEYS = (
    ("tool", "pytest"),
    ("tool", "tox"),
    ("project", "entry-points", "pytest11"),
    ("tool", "poetry", "plugins", "pytest11"),
)


def changed_files(patch: str) -> list[tuple[str, bool, str]]:
    """(path, whether the patch adds it, its added lines) for every file the patch touches."""
    parsed = parse(patch)
    if parsed is None:
        return []
    return [
        (
            f.path,
            f.is_added_file,
            "".join(line.value for hunk in f for line in hunk if line.is_added),
        )
        for f in parsed
    ]


def _ini_sections(text: str) -> dict[str, dict[str, str]] | None:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    kept = {
        name: dict(parser[name])
        for name in parser.sections()
        if any(fnmatch.fnmatch(name, pattern) for pattern in INI_SECTIONS)
    }
    entry_points = (
        parser["options.entry_points"] if parser.has_section("options.entry_points") else {}
    )
    kept["pytest11"] = {"pytest11": entry_points.get("pytest11", "")}
    return kept


def _toml_keys(text: str) -> list[Any] | None:
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    found = []
    for path in TOML_KEYS:
        node = data
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        found.append(node)
    return found


def config_changed(name: str, before: str, after: str) -> bool:
    """Whether the test-runner part of a configuration file differs (an unreadable new
    version counts as a change: it cannot be shown harmless)."""
    if name in ("setup.cfg", "tox.ini"):
        new = _ini_sections(after)
        return new is None or new != _ini_sections(before)
    new_keys = _toml_keys(after)
    return new_keys is None or new_keys != _toml_keys(before)


class Guard:
    """Finds and puts back the runner changes of one applied patch in a sandbox."""

    def __init__(self, sandbox: Sandbox, runner_files: tuple[str, ...] = ()):
        self.sandbox = sandbox
        self.runner_files = {posixpath.normpath(f) for f in runner_files}

    def _exists_at_base(self, path: str) -> bool:
        quoted = shlex.quote(f"HEAD:{path}")
        return self.sandbox.run(f"git cat-file -e {quoted}", 60).exit_code == 0

    def _base_text(self, path: str) -> str:
        result = self.sandbox.run(f"git show {shlex.quote(f'HEAD:{path}')}", 60)
        return result.output if result.exit_code == 0 else ""

    def _current_text(self, path: str) -> str:
        result = self.sandbox.run(f"cat -- {shlex.quote(path)} 2>/dev/null", 60)
        return result.output

    def _protected(self, path: str, added: bool, added_lines: str) -> bool | None:
        """True: a runner change; None: the model's own conftest (removed quietly)."""
        name = posixpath.basename(path)
        if name == "conftest.py" and added and not self._exists_at_base(posixpath.dirname(path)):
            return None
        if name in ALWAYS or name.endswith(".pth") or posixpath.normpath(path) in self.runner_files:
            return True
        if name == "setup.py":
            return "pytest11" in added_lines
        if name in ("setup.cfg", "tox.ini", "pyproject.toml"):
            return config_changed(name, self._base_text(path), self._current_text(path))
        return False

    def _reset(self, path: str) -> None:
        quoted = shlex.quote(path)
        if self._exists_at_base(path):
            self.sandbox.run(f"git checkout -q HEAD -- {quoted}", 60)
        else:
            self.sandbox.run(f"rm -f -- {quoted}", 60)

    def protect(self, patch: str) -> str:
        """Put back every runner change of `patch`; why the row is suspicious, or ""."""
        changed = []
        for path, added, added_lines in changed_files(patch):
            protected = self._protected(path, added, added_lines)
            if protected is not False:
                self._reset(path)
            if protected:
                changed.append(path)
        if not changed:
            return ""
        return (
            "the patch changed how tests are run or reported ("
            + ", ".join(changed)
            + "); those changes were put back before grading"
        )


def runner_files(command: str) -> tuple[str, ...]:
    """Repository files a test command runs (`./tests/runtests.py`, `bin/test`)."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return tuple(
        posixpath.normpath(word)
        for word in words
        if not word.startswith("-")
        and "=" not in word
        and ("/" in word or word.endswith(".py"))
        and not word.startswith("/")
    )
