"""Every word the model reads: the templates in this folder, rendered strictly.

A template names its placeholders as $name. Each has a fixed set of them, declared below; a
template file that uses another name, or lacks a declared one, is refused when the prompts are
loaded (at start-up), and rendering with other values is an error: a mistyped $var never
reaches the model.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from harness import HarnessError

FOLDER = Path(__file__).parent
# template name -> the placeholders the code fills in
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "system": frozenset({"check_cmd", "command_timeout"}),
    "instance": frozenset({"repo", "problem_statement"}),
    "command": frozenset({"exit_code", "output"}),
    "check_passed": frozenset({"output"}),
    "check_failed": frozenset({"output"}),
    "check_timeout": frozenset({"timeout", "log"}),
    "check_reproduced": frozenset({"output"}),
    "check_error": frozenset({"output"}),
    "not_a_diff": frozenset(),
    "patch_failed": frozenset({"output"}),
    "format_error": frozenset({"error"}),
    "vote_split": frozenset(),
    "submitted": frozenset(),
    "restored": frozenset({"observation"}),
}


@dataclass(frozen=True)
class Prompts:
    templates: dict[str, Template]
    digest: str  # names the exact text of every template, recorded in each result row

    def render(self, name: str, **values: Any) -> str:
        expected = PLACEHOLDERS[name]
        if set(values) != expected:
            raise HarnessError(
                f"prompt {name!r} takes {sorted(expected)}, was given {sorted(values)}"
            )
        return self.templates[name].substitute(values)


def _read_templates(folder: Path) -> dict[str, str]:
    try:
        texts = {
            path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.md"))
        }
        table = tomllib.loads((folder / "observations.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HarnessError(f"cannot read the prompts in {folder}: {exc}") from None
    for name, text in table.items():
        if not isinstance(text, str):
            raise HarnessError(f"prompt {name!r} in observations.toml is not a string")
        texts[name] = text
    return texts


def _checked(name: str, text: str) -> Template:
    template = Template(text)
    if not template.is_valid():
        raise HarnessError(
            f"prompt {name!r}: a '$' that starts no placeholder (write $$ for "
            "a literal dollar sign)"
        )
    used, expected = set(template.get_identifiers()), PLACEHOLDERS[name]
    if used - expected:
        raise HarnessError(
            f"prompt {name!r}: unknown placeholder ${sorted(used - expected)[0]} "
            f"(it takes: {', '.join(sorted(expected)) or 'none'})"
        )
    if expected - used:
        raise HarnessError(f"prompt {name!r}: placeholder ${sorted(expected - used)[0]} is missing")
    return template


def load_prompts(folder: Path = FOLDER) -> Prompts:
    texts = _read_templates(folder)
    missing = sorted(set(PLACEHOLDERS) - set(texts))
    if missing:
        raise HarnessError(f"prompt {missing[0]!r} is missing from {folder}")
    digest = hashlib.sha256()
    for name in sorted(PLACEHOLDERS):
        digest.update(f"{name}\0{texts[name]}\0".encode())
    return Prompts(
        {name: _checked(name, texts[name]) for name in PLACEHOLDERS}, digest.hexdigest()[:12]
    )


@cache
def default_prompts() -> Prompts:
    """The bundled prompts, loaded and checked once."""
    return load_prompts()
