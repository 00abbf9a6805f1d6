"""SWE-bench's own conventions, where the harness must match them exactly: dataset names, the
names of the published images, the environment inside them, and how an eval script turns the
files of a test patch into test-runner arguments.

Everything here but `swebench_log_parsers` is a pure function of strings, so that it costs
nothing to import; that one imports the `swebench` package, which takes about a second.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

from harness import HarnessError

OFFICIAL_NAMESPACE = "swebench"
# The eval scripts of SWE-bench data start with exactly this activation; official images keep
# the test environment in conda at /opt/miniconda3, as the environment `testbed`.
CONDA_ACTIVATE = "source /opt/miniconda3/bin/activate && conda activate testbed"
ACTIVATION_LINE = re.compile(r"^(source \S+/bin/activate|conda activate \S+)\s*$")

# What `load_swebench_dataset` and the `swebench` CLI accept, lowercased, and the hub id each
# stands for; any other name is used as given.
DATASET_ALIASES = {
    **dict.fromkeys(("swe-bench", "swebench", "swe_bench", "full"), "SWE-bench/SWE-bench"),
    **dict.fromkeys(
        ("swe-bench-lite", "swebench-lite", "swe_bench_lite", "swe-bench_lite", "lite"),
        "SWE-bench/SWE-bench_Lite",
    ),
    **dict.fromkeys(
        ("swe-bench-verified", "swebench-verified", "swe_bench_verified", "verified"),
        "SWE-bench/SWE-bench_Verified",
    ),
}

OFFICIAL_START = ": '>>>>> Start Test Output'"
OFFICIAL_END = ": '>>>>> End Test Output'"
# Lines official eval scripts start with that are not commands.
SCRIPT_HEADER = ("#!/bin/bash", "set -uxo pipefail")

# Files a test patch may touch that are data, not tests (SWE-bench's NON_TEST_EXTS).
NON_TEST_SUFFIXES = (
    ".json",
    ".png",
    "csv",
    ".txt",
    ".md",
    ".jpg",
    ".jpeg",
    ".pkl",
    ".yml",
    ".yaml",
    ".toml",
)


def dataset_name(name: str) -> str:
    """The hub id of a short dataset name (`lite`, `verified`, `full`, ...), else `name`."""
    return DATASET_ALIASES.get(name.strip().lower(), name)


def image_name(
    instance_id: str, namespace: str | None = OFFICIAL_NAMESPACE, arch: str = "x86_64"
) -> str:
    """The image SWE-bench publishes for an instance: with a namespace, every `__` becomes
    `_1776_` (Docker Hub refuses double underscores); without one, the local build's name."""
    key = f"sweb.eval.{arch}.{instance_id}:latest"
    if namespace:
        key = f"{namespace}/{key}".replace("__", "_1776_")
    return key.lower()


def relocated(image: str, instance_id: str, namespace: str) -> str:
    """A row's image under another namespace (a private mirror; "" for the names of images
    built locally with SWE-bench's tools). Images that are not the official one of their
    instance keep their name, apart from an official namespace prefix."""
    if image == image_name(instance_id):
        return image_name(instance_id, namespace or None)
    prefix = f"{OFFICIAL_NAMESPACE}/"
    if namespace and image.startswith(prefix):
        return namespace.rstrip("/") + "/" + image[len(prefix) :]
    return image


def activation(eval_script: str | None) -> str:
    """The shell that activates a task's test environment: the activation lines an eval
    script starts with (none: nothing to activate), or without a script the official conda
    environment."""
    if eval_script is None:
        return CONDA_ACTIVATE
    lines = []
    for line in (eval_script or "").splitlines():
        if ACTIVATION_LINE.match(line.strip()):
            lines.append(line.strip())
        elif lines:
            break
    return " && ".join(lines)


def runner_arguments(repo: str, test_files: list[str]) -> list[str]:
    """The test-runner arguments for test files, as SWE-bench's eval scripts write them:
    data files dropped; for Django, module labels instead of paths."""
    files = [f for f in test_files if not f.endswith(NON_TEST_SUFFIXES)]
    if repo != "django/django":
        return files
    labels = []
    for path in files:
        path = path.removesuffix(".py").removeprefix("tests/")
        labels.append(path.replace("/", "."))
    return labels


@dataclass(frozen=True)
class ScriptParts:
    """An official eval script cut at its output markers."""

    before: tuple[str, ...]
    tests: tuple[str, ...]
    after: tuple[str, ...]


def cut_eval_script(script: str) -> ScriptParts:
    """Split an eval script at its start and end markers, which must each be there once, in
    that order, with the test command between them."""
    lines = [line for line in script.strip().split("\n") if line.strip() not in SCRIPT_HEADER]
    starts = [i for i, line in enumerate(lines) if line.strip() == OFFICIAL_START]
    ends = [i for i, line in enumerate(lines) if line.strip() == OFFICIAL_END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] <= starts[0] + 1:
        raise HarnessError(
            f"eval_script needs one {OFFICIAL_START} line and one {OFFICIAL_END} line after "
            f"it, with the test command between them (found {len(starts)} and {len(ends)})"
        )
    start, end = starts[0], ends[0]
    return ScriptParts(tuple(lines[:start]), tuple(lines[start + 1 : end]), tuple(lines[end + 1 :]))


@contextmanager
def environment_kept() -> Iterator[None]:
    """Importing swebench.harness loads a `.env` file from the folders above the package into
    os.environ; a run's environment is the user's, so whatever it adds is taken out again."""
    before = dict(os.environ)
    os.environ.setdefault("PYTHON_DOTENV_DISABLED", "1")
    try:
        yield
    finally:
        for key in set(os.environ) - set(before):
            del os.environ[key]


@functools.cache
def swebench_log_parsers() -> ModuleType:
    """`swebench.harness.log_parsers`: the parser registry and the repo maps of every
    language."""
    with environment_kept():
        import swebench.harness.log_parsers as module
    loaded: ModuleType = module
    return loaded


def _repo_parsers() -> dict[str, object]:
    module = swebench_log_parsers()
    found: dict[str, object] = {}
    for language in vars(module).values():
        for name, value in vars(language).items() if isinstance(language, ModuleType) else ():
            if name.startswith("MAP_REPO_TO_PARSER") and isinstance(value, dict):
                found.update(value)
    return found


def has_official_images(repo: str) -> bool:
    """Whether SWE-bench publishes images for a repository (one its parser maps know)."""
    return repo in _repo_parsers()


def official_parser(repo: str) -> str | None:
    """The registry name of the parser SWE-bench uses for a repository, for rows that do not
    name one (copies that predate SWE-bench 5): the alias named after the repository when there
    is one (parse_log_flask, not parse_log_pytest)."""
    function = _repo_parsers().get(repo)
    if function is None:
        return None
    registry = swebench_log_parsers().PARSER_REGISTRY
    names: list[str] = [name for name, parser in registry.items() if parser is function]
    words = repo.split("/")[-1]
    return next((n for n in names if n.removeprefix("parse_log_") in words), names[0])
