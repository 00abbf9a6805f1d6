"""Test-log parsers, by the names a task's `log_parser` field gives.

Every name SWE-bench data uses (`parse_log_django`, `parse_log_pytest`, ...) comes from the
`swebench` package's own registry, so a log is read exactly as the official harness reads it.
Tasks that name no parser (the bundled suite) use the built-in pytest parser of testsuite.py,
which needs no import of `swebench`: that import takes about a second, so it happens only for
tasks that need it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from harness import HarnessError
from harness.tasks.official import environment_kept, swebench_log_parsers

Parser = Callable[[str], dict[str, str]]
BUILTIN = "pytest"
EVAL_TYPES = ("pass_and_fail", "fail_only")


@functools.cache
def swebench_registry() -> Mapping[str, Callable[[str, Any], dict[str, str]]]:
    """SWE-bench's parser registry: name -> parse(log, test_spec)."""
    registry: Mapping[str, Callable[[str, Any], dict[str, str]]] = (
        swebench_log_parsers().PARSER_REGISTRY
    )
    return registry


def suite_ran(log: str) -> bool:
    """SWE-bench's evidence that a test runner ran although it reported no test by name (JS
    runners that print failures only)."""
    with environment_kept():
        from swebench.harness.grading import SUITE_RAN
    return bool(SUITE_RAN.search(log))


def is_builtin(name: str | None) -> bool:
    return not name or name == BUILTIN


def check_parser(name: str | None) -> None:
    """Raise HarnessError naming the parser when no registry has it."""
    if not is_builtin(name) and name not in swebench_registry():
        raise HarnessError(
            f"unknown log_parser {name!r} (neither the built-in {BUILTIN!r} nor one of the "
            f"{len(swebench_registry())} parsers of the installed swebench package)"
        )


def check_eval_type(eval_type: str | None) -> None:
    if eval_type and eval_type not in EVAL_TYPES:
        raise HarnessError(f"unknown eval_type {eval_type!r} (known: {', '.join(EVAL_TYPES)})")


def registry_parser(name: str, spec: Any = None) -> Parser:
    """SWE-bench's parser of that name, as a function of the log alone. `spec` is what its
    parsers take as their second argument (a few non-Python ones read the instance id or
    version from it)."""
    check_parser(name)
    parse = swebench_registry()[name]
    return lambda log: parse(log, spec)
