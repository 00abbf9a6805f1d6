"""What a patch may not change before grading: test-runner configuration and plugins."""

import pytest

from harness.grading.guard import Guard, config_changed, runner_files


def new_file(path: str, text: str) -> str:
    lines = text.splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def apply(sandbox, patch: str) -> None:
    result = sandbox.run("git apply -", 30, stdin=patch)
    assert result.exit_code == 0, result.output


def changed_pyproject(sandbox, old: str, new: str) -> str:
    """A patch that replaces a line of the calc repository's pyproject.toml."""
    text = sandbox.read_file("pyproject.toml").decode()
    assert old in text
    sandbox.write_file("pyproject.toml", text.replace(old, new))
    patch = sandbox.run("git diff", 30).output
    sandbox.run("git checkout -q -- pyproject.toml", 30)
    return patch


def test_a_new_conftest_is_put_back_and_the_row_suspicious(calc_local):
    patch = new_file("conftest.py", "def pytest_configure(config):\n    pass")
    apply(calc_local, patch)
    reason = Guard(calc_local).protect(patch)
    assert reason == (
        "the patch changed how tests are run or reported (conftest.py); those changes were put "
        "back before grading"
    )
    assert calc_local.run("test -e conftest.py", 10).exit_code == 1


def test_the_models_own_conftest_beside_its_new_tests_goes_quietly(calc_local):
    patch = new_file("repro/conftest.py", "import sys") + new_file(
        "repro/test_repro.py", "def test_x():\n    assert True"
    )
    apply(calc_local, patch)
    assert Guard(calc_local).protect(patch) == ""
    assert calc_local.run("test -e repro/conftest.py", 10).exit_code == 1
    assert calc_local.run("test -e repro/test_repro.py", 10).exit_code == 0


def test_a_conftest_next_to_the_official_tests_is_suspicious(calc_local):
    patch = new_file("tests/conftest.py", "collect_ignore = ['test_stats.py']")
    apply(calc_local, patch)
    assert "tests/conftest.py" in Guard(calc_local).protect(patch)


def test_pytest_settings_in_pyproject_are_put_back_other_settings_stay(calc_local):
    runner = changed_pyproject(calc_local, 'testpaths = ["tests"]', 'testpaths = ["nowhere"]')
    apply(calc_local, runner)
    assert "pyproject.toml" in Guard(calc_local).protect(runner)
    assert 'testpaths = ["tests"]' in calc_local.read_file("pyproject.toml").decode()
    harmless = changed_pyproject(
        calc_local,
        "[tool.pytest.ini_options]",
        '[project]\nname = "calc"\n\n[tool.pytest.ini_options]',
    )
    apply(calc_local, harmless)
    assert Guard(calc_local).protect(harmless) == ""
    assert 'name = "calc"' in calc_local.read_file("pyproject.toml").decode()


def test_the_test_command_itself_is_protected(calc_local):
    patch = new_file("tests/runtests.py", "print('all good')")
    apply(calc_local, patch)
    assert "tests/runtests.py" in Guard(calc_local, ("tests/runtests.py",)).protect(patch)


@pytest.mark.parametrize(
    "name, before, after, changed",
    [
        ("setup.cfg", "[metadata]\nname = x\n", "[metadata]\nname = y\n", False),
        ("setup.cfg", "[tool:pytest]\naddopts = -q\n", "[tool:pytest]\naddopts = -p fake\n", True),
        ("setup.cfg", "", "[options.entry_points]\npytest11 =\n    fake = fake\n", True),
        ("setup.cfg", "[isort]\nline_length = 88\n", "[isort]\nline_length = 100\n", False),
        ("tox.ini", "[testenv]\ncommands = pytest\n", "[testenv]\ncommands = true\n", True),
        ("tox.ini", "[flake8]\nmax-line-length = 88\n", "[flake8]\nmax-line-length = 99\n", False),
        ("pyproject.toml", "", '[project.entry-points.pytest11]\nfake = "fake"\n', True),
        ("pyproject.toml", "[tool.black]\n", "[tool.black]\nline-length = 99\n", False),
        ("setup.cfg", "[metadata]\n", "[metadata\n", True),  # unreadable: cannot be shown harmless
    ],
)
def test_configuration_changes(name, before, after, changed):
    assert config_changed(name, before, after) is changed


def test_the_files_a_test_command_runs():
    assert runner_files("./tests/runtests.py --verbosity 2 --settings=test_sqlite") == (
        "tests/runtests.py",
    )
    assert runner_files("PYTHONWARNINGS='ignore' bin/test -C --verbose") == ("bin/test",)
    assert runner_files("pytest -rA -p no:cacheprovider") == ()
