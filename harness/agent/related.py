"""Which test files an edit concerns: the test files the agent wrote or changed, and the test
files tied to the source files it changed, by name (test_mod.py for mod.py) or by import."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from harness.diffs import TEST_PATH

SOURCE_ROOTS = ("src/", "lib/")


def is_test_file(path: str) -> bool:
    return bool(TEST_PATH.search(path))


def is_python_test_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return (
        path.endswith(".py")
        and is_test_file(path)
        and name != "conftest.py"
        and name != "__init__.py"
    )


def module_of(source: str) -> str | None:
    """The dotted module a Python source file defines (a package for __init__.py)."""
    if not source.endswith(".py"):
        return None
    for root in SOURCE_ROOTS:
        if source.startswith(root):
            source = source[len(root) :]
            break
    parts = list(PurePosixPath(source).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or None


def import_pattern(module: str) -> str:
    """A POSIX extended regex (for `git grep -E`, which knows no \\s inside brackets) for a
    line that imports `module` or a name from it."""
    package, _, name = module.rpartition(".")
    space, other = "[[:space:]]", "[^[:alnum:]_]"
    alternatives = [f"^{space}*(from|import){space}+{re.escape(module)}([[:space:].,]|$)"]
    if package:
        alternatives.append(
            f"^{space}*from{space}+{re.escape(package)}{space}+import{space}"
            f"(.*{other})?{name}({other}|$)"
        )
    return "|".join(alternatives)


def named_after(source: str, test_files: list[str]) -> list[str]:
    """Test files whose name says they test `source`: test_mod.py or mod_test.py."""
    stem = PurePosixPath(source).stem
    if stem == "__init__":
        stem = PurePosixPath(source).parent.name
    names = {f"test_{stem}.py", f"{stem}_test.py", f"{stem}_tests.py", f"tests_{stem}.py"}
    return [path for path in test_files if PurePosixPath(path).name in names]
