"""Tasks: the record, its sources, the bundled suite, repositories and selection."""

from harness.tasks.bundled import BUNDLED_DIR, PROJECT_ROOT
from harness.tasks.repos import check_mirror, resolve_repo
from harness.tasks.selection import select_tasks
from harness.tasks.sources import load_tasks
from harness.tasks.task import Environment, Task, task_from_row

__all__ = [
    "BUNDLED_DIR",
    "PROJECT_ROOT",
    "Environment",
    "Task",
    "check_mirror",
    "load_tasks",
    "resolve_repo",
    "select_tasks",
    "task_from_row",
]
