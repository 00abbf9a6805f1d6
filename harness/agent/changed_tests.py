"""Which tests the agent wrote or rewrote: the tests of a test file it added, and in a test file
it changed, the test functions and classes whose lines its diff against the base touches.

The edit check counts a failing test as the agent's own only if it is one of these: a test
that merely lives in a file the agent touched (say, beside the reproduction test it added) is
judged against its own status at the base commit, like any other.

    rewritten = rewritten_tests(diff_text, {"tests/test_x.py": (base_source, current_source)})
    rewritten.covers("tests/test_x.py", "TestParse.test_empty")   # True or False
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from harness.diffs import parse

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
# CPython 3.11 keeps the AST constructor's recursion depth per interpreter: two threads parsing
# at once (tasks run in worker threads) can fail with "AST constructor recursion depth mismatch".
PARSING = threading.Lock()


@dataclass(frozen=True)
class RewrittenTests:
    """Per test file the agent changed: the dotted names of the functions and classes it
    wrote or changed, or None when every test of the file is its own (a new file, or one
    that no longer parses)."""

    names: Mapping[str, frozenset[str] | None] = field(default_factory=dict)

    def covers(self, file: str, name: str) -> bool:
        """Whether the test `name` (dotted: Class.test_x; "" for the file itself) of `file`
        was written or changed by the agent. A class the agent changed outside its methods
        covers every test in it."""
        if file not in self.names:
            return False
        changed = self.names[file]
        if changed is None:
            return True
        return any(name == n or name.startswith(n + ".") for n in changed)


def definitions(source: str) -> list[tuple[str, int, int]]:
    """Every function and class of a module, nested ones too: (dotted name, first line with
    its decorators, last line). Raises SyntaxError when the source does not parse."""
    found: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, Definition):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                found.append((name, first, child.end_lineno or child.lineno))
                visit(child, name + ".")

    with PARSING:
        tree = ast.parse(source)
    visit(tree, "")
    return found


def enclosing(lines: Iterable[int], source: str) -> set[str]:
    """The innermost function or class around each line; lines at module level belong to no
    test (an import the agent added changes no test's body)."""
    spans = definitions(source)
    names = set()
    for line in lines:
        around = [(first, name) for name, first, last in spans if first <= line <= last]
        if around:
            names.add(max(around)[1])  # the latest start is the innermost definition
    return names


def rewritten_tests(diff: str, sources: Mapping[str, tuple[str | None, str]]) -> RewrittenTests:
    """The tests a diff against the base writes or changes, in the files of `sources`: path ->
    (its text at the base, None for a file the agent created; its text now)."""
    patch = parse(diff)
    touched = {f.path: f for f in patch} if patch else {}
    names: dict[str, frozenset[str] | None] = {}
    for path, (before, after) in sources.items():
        changes = touched.get(path)
        if before is None or changes is None:
            names[path] = None if before is None else frozenset()
            continue
        lines = [line for hunk in changes for line in hunk]
        added = [n.target_line_no for n in lines if n.is_added and n.target_line_no]
        removed = [n.source_line_no for n in lines if n.is_removed and n.source_line_no]
        try:
            found = enclosing(added, after) | enclosing(removed, before)
        except SyntaxError:
            names[path] = None  # it no longer parses: all of it is the agent's doing
            continue
        names[path] = frozenset(found)
    return RewrittenTests(names)
