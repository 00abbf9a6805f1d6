"""Which files of a repository decide how its tests are run and reported, rather than what the
tests check. Grading puts back a patch's changes to them before the tests run (guard.py).

They are the files pytest and Python read at start-up as configuration or plugin, at any depth
of the repository, and the files the task's test command names:
- pytest's configuration: `pytest.toml`, `.pytest.toml`, `pytest.ini`, `.pytest.ini`, any
  `conftest.py`, and the pytest and tox sections of `pyproject.toml`, `tox.ini` and `setup.cfg`;
- plugins a package registers (`pytest11` entry points): in `setup.py`, `setup.cfg` or
  `pyproject.toml`, or in the metadata of a distribution (`*.egg-info`, `*.dist-info`), which
  pytest reads from every folder on `sys.path`, the repository's included;
- what Python runs at start-up, or loads in place of a source file: `sitecustomize.py`,
  `usercustomize.py`, `*.pth`, compiled bytecode (`*.pyc`, `__pycache__`); pytest's cache;
- the package files (`__init__.py`) and compiled modules of the task's test folders, which are
  not code under test and are imported before any test runs;
- the files the test command runs or names: its runner (Django's `tests/runtests.py`, SymPy's
  `bin/test`), a settings module (`--settings=test_sqlite`, `DJANGO_SETTINGS_MODULE`), a
  configuration file (`-c setup.cfg`).

The repository's own `.git` folder is not a place for a patch at all: git runs its hooks and
reads its configuration while the eval script runs (guard.py refuses such a patch).
"""

from __future__ import annotations

import ast
import configparser
import fnmatch
import posixpath
import shlex
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from harness.diffs import patch_paths
from harness.tasks import Task
from harness.testsuite.suite import TestSuite

RUNNER_NAMES = frozenset(
    {
        "conftest.py",
        "pytest.toml",
        ".pytest.toml",
        "pytest.ini",
        ".pytest.ini",
        "sitecustomize.py",
        "usercustomize.py",
    }
)
RUNNER_SUFFIXES = (".pth", ".pyc", ".pyo", ".egg-link")
# folders whose every file is runner configuration wherever they are
RUNNER_FOLDERS = ("__pycache__", ".pytest_cache")
METADATA_FOLDERS = (".egg-info", ".dist-info")
SECTION_FILES = frozenset({"setup.cfg", "tox.ini", "pyproject.toml", "setup.py"})
INI_SECTIONS = ("pytest", "tool:pytest", "tox", "tox:*", "testenv", "testenv:*")
TOML_KEYS = (
    ("tool", "pytest"),
    ("tool", "tox"),
    ("project", "entry-points", "pytest11"),
    ("tool", "poetry", "plugins", "pytest11"),
)
# compiled modules, which Python imports in place of a source file of the same name
EXTENSION_SUFFIXES = (".so", ".pyd")
TEST_FOLDER_NAMES = frozenset({"test", "tests", "testing"})
# files a patch may add in a folder of its own, next to the model's own tests: they serve only
# those tests, so they are removed without marking the row
OWN_TEST_SUPPORT = frozenset({"conftest.py", "__init__.py"})
SETTINGS_OPTIONS = ("--settings", "--ds")
CONFIG_OPTIONS = ("-c", "--config-file")
SETTINGS_VARIABLE = "DJANGO_SETTINGS_MODULE"

Kind = Literal["runner", "sections", "code"]


@dataclass(frozen=True)
class RunnerFiles:
    """The runner files of one task: by name anywhere, plus what its test command names and
    the package files of its test folders."""

    named: frozenset[str] = frozenset()
    test_folders: frozenset[str] = frozenset()

    def kind(self, path: str) -> Kind:
        """ "runner": always a runner file; "sections": one when its test-runner sections
        changed (`config_changed`); "code": anything else."""
        path = posixpath.normpath(path)
        parts = path.split("/")
        name = parts[-1]
        if (
            name in RUNNER_NAMES
            or name.endswith(RUNNER_SUFFIXES)
            or any(part in RUNNER_FOLDERS for part in parts[:-1])
            or any(part.endswith(METADATA_FOLDERS) for part in parts[:-1])
            or path in self.named
            or (self._in_test_folder(path) and name.startswith("__init__."))
            or (self._in_test_folder(path) and name.endswith(EXTENSION_SUFFIXES))
        ):
            return "runner"
        return "sections" if name in SECTION_FILES else "code"

    def _in_test_folder(self, path: str) -> bool:
        return posixpath.dirname(path) in self.test_folders


def folders_of(test_files: Iterable[str]) -> frozenset[str]:
    """The folders of a task's test files, and those of their parent folders that are named as
    test folders (`tests/unit/test_x.py`: `tests/unit` and `tests`)."""
    found = set()
    for path in test_files:
        folder = posixpath.dirname(posixpath.normpath(path))
        if folder:
            found.add(folder)
        while folder:
            if posixpath.basename(folder) in TEST_FOLDER_NAMES:
                found.add(folder)
            folder = posixpath.dirname(folder)
    return frozenset(found)


def may_be_own(path: str) -> bool:
    """Whether a file is one a patch may add beside its own new tests (see OWN_TEST_SUPPORT)."""
    return posixpath.basename(path) in OWN_TEST_SUPPORT


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


def _entry_points(text: str) -> list[str] | None:
    """The `entry_points=` arguments of every call in a setup.py, as syntax trees."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    return [
        ast.dump(keyword.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "entry_points"
    ]


def config_changed(name: str, before: str, after: str) -> bool:
    """Whether the test-runner part of a configuration file differs (an unreadable new
    version counts as a change: it cannot be shown harmless)."""
    if name in ("setup.cfg", "tox.ini"):
        new = _ini_sections(after)
        return new is None or new != _ini_sections(before)
    if name == "setup.py":
        points = _entry_points(after)
        return points is None or points != _entry_points(before)
    new_keys = _toml_keys(after)
    return new_keys is None or new_keys != _toml_keys(before)


def _module_files(module: str, folders: Iterable[str]) -> list[str]:
    """Where a dotted module name may live, relative to each folder on the runner's path."""
    stem = module.replace(".", "/")
    return [
        posixpath.normpath(posixpath.join(folder, f"{stem}{tail}"))
        for folder in folders
        for tail in (".py", "/__init__.py")
    ]


def _option_values(words: list[str], options: tuple[str, ...]) -> list[str]:
    """The values of options given as `--opt=value` or `--opt value`."""
    values = []
    for i, word in enumerate(words):
        for option in options:
            if word.startswith(option + "="):
                values.append(word.split("=", 1)[1])
            elif word == option and i + 1 < len(words):
                values.append(words[i + 1])
    return values


def runner_files(command: str) -> tuple[str, ...]:
    """Repository files a test command runs or names: its runner (`./tests/runtests.py`,
    `bin/test`), a settings module (beside the runner or at the top), a configuration file."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    configs = [
        posixpath.normpath(value)
        for value in _option_values(words, CONFIG_OPTIONS)
        if not value.startswith("/")
    ]
    runners = [
        posixpath.normpath(word)
        for word in words
        if not word.startswith("-")
        and "=" not in word
        and ("/" in word or word.endswith(".py"))
        and not word.startswith("/")
        and posixpath.normpath(word) not in configs
    ]
    modules = _option_values(words, SETTINGS_OPTIONS) + [
        word.split("=", 1)[1] for word in words if word.startswith(SETTINGS_VARIABLE + "=")
    ]
    folders = dict.fromkeys([posixpath.dirname(runner) for runner in runners] + [""])
    settings = [path for module in modules for path in _module_files(module, folders)]
    return tuple(dict.fromkeys(runners + settings + configs))


def for_task(task: Task, suite: TestSuite) -> RunnerFiles:
    """The runner files of a task: what its test command names (its own test files aside,
    which the eval script resets), and the folders of its test files."""
    own_tests = patch_paths(task.test_patch)
    named = runner_files(" ".join([*suite.exports, suite.command]))
    tests = [suite.file_of(test) for test in task.FAIL_TO_PASS + task.PASS_TO_PASS]
    return RunnerFiles(
        named=frozenset(named) - set(own_tests),
        test_folders=folders_of([*own_tests, *filter(None, tests)]),
    )
