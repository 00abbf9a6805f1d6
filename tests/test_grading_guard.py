"""What a patch may not change before grading: how tests are run and reported. The guard reads
what changed from the files themselves, so these tests change files with plain shell commands,
as any tool that applies a patch might."""

import pytest

from harness.grading.evaluate import APPLY_PATCH
from harness.grading.guard import Guard
from harness.grading.runner_config import (
    RunnerFiles,
    config_changed,
    folders_of,
    runner_files,
)

PLUGIN = "import pytest\n"
TESTS = RunnerFiles(test_folders=frozenset({"tests"}))


def write(sandbox, path: str, text: str = PLUGIN) -> None:
    folder = path.rsplit("/", 1)[0] if "/" in path else "."
    assert sandbox.run(f"mkdir -p '{folder}' && cat > '{path}'", 10, stdin=text).exit_code == 0


def exists(sandbox, path: str) -> bool:
    return sandbox.run(f"test -e '{path}' || test -L '{path}'", 10).exit_code == 0


def guarded(sandbox, change, files: RunnerFiles = TESTS):
    """The guard's answer to `change(sandbox)` made between its two looks."""
    guard = Guard(sandbox, files)
    guard.before()
    change(sandbox)
    return guard.protect()


@pytest.mark.parametrize(
    "path",
    [
        ".pytest.ini",
        "pytest.ini",
        "pytest.toml",
        ".pytest.toml",
        "conftest.py",
        "tests/conftest.py",
        "calc/deep/er/pytest.ini",  # at any depth: pytest looks beside its arguments first
        "sitecustomize.py",
        "usercustomize.py",
        "calc/forge.pth",
        "calc/__pycache__/stats.cpython-311.pyc",  # ignored by git, read by Python
        ".pytest_cache/v/cache/lastfailed",
        "calc.egg-info/entry_points.txt",
        "forge-1.0.dist-info/entry_points.txt",
        "tests/__init__.py",  # a package file of the test folder, not code under test
        "tests/helpers.cpython-311-x86_64-linux-gnu.so",
    ],
)
def test_a_new_runner_file_anywhere_is_removed_and_the_row_suspicious(calc_local, path):
    protection = guarded(calc_local, lambda s: write(s, path))
    assert protection.put_back == [path]
    assert protection.suspicious == (
        f"the patch changed how tests are run or reported ({path}); those changes were put "
        "back before grading"
    )
    assert not exists(calc_local, path)


def test_a_rename_into_a_runner_file_is_seen_however_the_diff_names_it(calc_local):
    rename = (
        "diff --git a/calc/__init__.py b/conftest.py\nsimilarity index 100%\n"
        "rename from calc/__init__.py\nrename to conftest.py\n"
    )

    def apply(sandbox):
        result = sandbox.run(APPLY_PATCH, 30, stdin=rename)
        assert result.exit_code == 0, result.output

    protection = guarded(calc_local, apply)
    assert protection.put_back == ["conftest.py"]
    assert not exists(calc_local, "conftest.py")


def test_code_under_test_is_left_as_the_patch_made_it(calc_local):
    protection = guarded(
        calc_local,
        lambda s: (write(s, "calc/stats.py", "x = 1\n"), write(s, "calc/__init__.py", "y = 2\n")),
    )
    assert protection.suspicious == "" and protection.put_back == []
    assert calc_local.read_file("calc/stats.py") == b"x = 1\n"
    assert calc_local.read_file("calc/__init__.py") == b"y = 2\n"  # not a test folder


def test_the_models_own_conftest_and_package_beside_its_new_tests_go_quietly(calc_local):
    def own_tests(sandbox):
        write(sandbox, "repro/conftest.py")
        write(sandbox, "repro/__init__.py")
        write(sandbox, "repro/test_repro.py", "def test_x():\n    assert True\n")

    protection = guarded(calc_local, own_tests, RunnerFiles(test_folders=frozenset({"repro"})))
    assert protection.suspicious == ""
    assert not exists(calc_local, "repro/conftest.py")
    assert not exists(calc_local, "repro/__init__.py")
    assert exists(calc_local, "repro/test_repro.py")


def test_a_folder_is_new_only_if_the_tree_before_the_patch_lacks_it(calc_local):
    paths = ["calc/conftest.py", "tests/conftest.py", "tests/new/conftest.py"]
    protection = guarded(calc_local, lambda s: [write(s, path) for path in paths])
    assert protection.put_back == ["calc/conftest.py", "tests/conftest.py"]
    assert not any(exists(calc_local, path) for path in paths)


def test_a_changed_or_deleted_runner_file_is_put_back_as_it_was_before_the_patch(calc_local):
    # the tree before the patch differs from the commit (an image may edit its own files)
    write(calc_local, "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n#x\n')
    before = calc_local.read_file("pyproject.toml")
    write(calc_local, "tests/conftest.py", "FIXTURES = 1\n")

    def change(sandbox):
        write(sandbox, "pyproject.toml", '[tool.pytest.ini_options]\naddopts = "-p forge"\n')
        sandbox.run("rm tests/conftest.py", 10)

    protection = guarded(calc_local, change)
    assert protection.put_back == ["pyproject.toml", "tests/conftest.py"]
    assert calc_local.read_file("pyproject.toml") == before
    assert calc_local.read_file("tests/conftest.py") == b"FIXTURES = 1\n"


def test_other_settings_in_the_same_files_stay(calc_local):
    text = calc_local.read_file("pyproject.toml").decode()
    protection = guarded(
        calc_local,
        lambda s: (
            write(s, "pyproject.toml", '[project]\nname = "calc"\n\n' + text),
            write(s, "setup.cfg", "[flake8]\nmax-line-length = 99\n"),
        ),
    )
    assert protection.suspicious == ""
    assert b'name = "calc"' in calc_local.read_file("pyproject.toml")


def test_the_files_the_test_command_names_are_protected(calc_local):
    files = RunnerFiles(named=frozenset(runner_files("./tests/runtests.py --settings=test_sqlite")))
    protection = guarded(
        calc_local,
        lambda s: (write(s, "tests/runtests.py"), write(s, "tests/test_sqlite.py")),
        files,
    )
    assert protection.put_back == ["tests/runtests.py", "tests/test_sqlite.py"]


def test_a_patch_that_writes_into_git_is_not_graded(calc_local):
    protection = guarded(
        calc_local, lambda s: write(s, ".git/hooks/post-checkout", "#!/bin/sh\ntouch conftest.py\n")
    )
    assert protection.refused.startswith(
        "the patch writes inside the repository's .git folder (.git/hooks/post-checkout)"
    )
    assert protection.suspicious == protection.refused


def test_a_file_name_that_is_not_utf8_is_not_graded(calc_local):
    protection = guarded(
        calc_local, lambda s: s.run("mkdir $'\\xff' && touch $'\\xff/conftest.py'", 10)
    )
    assert protection.refused.startswith("the patch leaves file names that are not UTF-8")


@pytest.mark.parametrize(
    "name, before, after, changed",
    [
        ("setup.cfg", "[metadata]\nname = x\n", "[metadata]\nname = y\n", False),
        ("setup.cfg", "[tool:pytest]\naddopts = -q\n", "[tool:pytest]\naddopts = -p fake\n", True),
        ("setup.cfg", "", "[options.entry_points]\npytest11 =\n    fake = fake\n", True),
        ("setup.cfg", "[isort]\nline_length = 88\n", "[isort]\nline_length = 100\n", False),
        ("tox.ini", "[testenv]\ncommands = pytest\n", "[testenv]\ncommands = true\n", True),
        ("tox.ini", "", "[pytest]\naddopts = -p fake\n", True),
        ("tox.ini", "[flake8]\nmax-line-length = 88\n", "[flake8]\nmax-line-length = 99\n", False),
        ("pyproject.toml", "", '[project.entry-points.pytest11]\nfake = "fake"\n', True),
        ("pyproject.toml", "", '[tool.pytest]\naddopts = ["-p", "fake"]\n', True),
        ("pyproject.toml", "[tool.black]\n", "[tool.black]\nline-length = 99\n", False),
        ("setup.cfg", "[metadata]\n", "[metadata\n", True),  # unreadable: cannot be shown harmless
        ("setup.py", "setup(name='x')\n", "setup(name='y')\n", False),
        ("setup.py", "setup()\n", "setup(entry_points={'pytest11': ['f = f']})\n", True),
        ("setup.py", "setup(\n", "setup(\n", True),
    ],
)
def test_configuration_changes(name, before, after, changed):
    assert config_changed(name, before, after) is changed


def test_the_files_a_test_command_runs_or_names():
    assert runner_files("./tests/runtests.py --verbosity 2 --settings=test_sqlite") == (
        "tests/runtests.py",
        "tests/test_sqlite.py",
        "tests/test_sqlite/__init__.py",
        "test_sqlite.py",
        "test_sqlite/__init__.py",
    )
    named = runner_files("DJANGO_SETTINGS_MODULE=a.b python -m pytest -c ci/pytest.ini")
    assert set(named) == {"a/b.py", "a/b/__init__.py", "ci/pytest.ini"}
    assert runner_files("PYTHONWARNINGS='ignore' bin/test -C --verbose") == ("bin/test",)
    assert runner_files("pytest -rA -p no:cacheprovider") == ()


def test_test_folders_are_those_of_the_tests_and_parents_named_so():
    assert folders_of(["tests/unit/test_x.py", "pkg/sub/tests/test_y.py", "t.py"]) == {
        "tests/unit",
        "tests",
        "pkg/sub/tests",
    }
