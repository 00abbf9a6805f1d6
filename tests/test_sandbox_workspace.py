"""What every kind of sandbox must do alike: commands, snapshots, restores and diffs."""

import pytest


@pytest.fixture(params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def sandbox(request, calc_task):
    provider = request.getfixturevalue(request.param)
    started = provider.start(calc_task, provider.prepare(calc_task))
    yield started
    started.close()


def test_commands_run_in_the_repository_with_standard_input(sandbox):
    result = sandbox.run("cat > note.txt && wc -c < note.txt; ls calc; exit 3", stdin="hello\n")
    assert result.exit_code == 3 and result.output.split()[0] == "6"
    assert "stats.py" in result.output


def test_snapshot_and_restore_undo_every_kind_of_change(sandbox):
    before = sandbox.snapshot()
    sandbox.run(
        "echo changed >> calc/stats.py && rm calc/__init__.py && "
        "mkdir -p new && echo x > new/file.py"
    )
    assert sandbox.snapshot() != before
    sandbox.restore(before)
    assert sandbox.snapshot() == before
    assert sandbox.run("git status --porcelain").output.strip() == ""


def test_diff_includes_new_files_and_leaves_the_index_alone(sandbox):
    sandbox.write_file("calc/extra.py", "X = 1\n")
    sandbox.run("echo '# note' >> calc/stats.py")
    diff = sandbox.diff()
    assert "+++ b/calc/extra.py" in diff and "+# note" in diff
    assert sandbox.run("git diff --cached --name-only").output.strip() == ""
