"""Unified diffs, read through `unidiff`: which files a diff touches and what it changes."""

from __future__ import annotations

import re
from typing import Any

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

TEST_PATH = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*\.py$|_tests?\.py$|conftest\.py$")


def parse(diff: str) -> PatchSet | None:
    try:
        return PatchSet(diff)
    except UnidiffParseError:
        return None


def patch_paths(diff: str) -> list[str]:
    """Paths a diff touches (the old path of a deleted file); empty if it is not a diff."""
    patch = parse(diff)
    return [f.path for f in patch] if patch else []


def normalise(diff: str) -> tuple[Any, ...] | None:
    """What a diff changes, ignoring line numbers, context and whitespace, so that two samples
    of the same edit compare equal; None if it is not a diff."""
    patch = parse(diff)
    if patch is None:
        return None
    return tuple(
        (
            f.path,
            tuple(
                (line.line_type, line.value.strip())
                for hunk in f
                for line in hunk
                if not line.is_context
            ),
        )
        for f in patch
    )


def touches_only_tests(diff: str) -> bool:
    paths = patch_paths(diff)
    return bool(paths) and all(TEST_PATH.search(path) for path in paths)
