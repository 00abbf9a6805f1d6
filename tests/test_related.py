"""Which test files an edit concerns, found in a real git repository with `git grep`."""

import shlex
import subprocess

from harness.agent.related import import_pattern, module_of, named_after

IMPORTS = {
    "a.py": "from pkg.mod import thing\n",
    "b.py": "import pkg.mod\n",
    "c.py": "    from pkg import mod\n",
    "d.py": "from pkg import (other, mod)\n",
    "e.py": "from pkg import other, mod as alias\n",
    "f.py": "import pkg.mod.sub\n",
    "no_1.py": "import pkg.module\n",
    "no_2.py": "from pkg import modules\n",
    "no_3.py": "from pkg.modern import mod_x\n",
    "no_4.py": "# from pkg.mod import thing\n",
}


def test_import_lines_are_found_by_git_grep(tmp_path):
    for name, text in IMPORTS.items():
        (tmp_path / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    pattern = shlex.quote(import_pattern("pkg.mod"))
    found = subprocess.run(
        f"git grep -l --untracked -E -e {pattern} -- '*.py'",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert sorted(found) == ["a.py", "b.py", "c.py", "d.py", "e.py", "f.py"]


def test_source_files_map_to_modules_and_test_files_by_name():
    assert module_of("src/pkg/mod.py") == "pkg.mod"
    assert module_of("pkg/__init__.py") == "pkg"
    assert module_of("README.md") is None
    tests = ["tests/test_mod.py", "tests/mod_test.py", "tests/test_model.py"]
    assert named_after("pkg/mod.py", tests) == ["tests/test_mod.py", "tests/mod_test.py"]
