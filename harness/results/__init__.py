"""Results: the row, the trajectory, and the file that holds them."""

from harness.results.row import (
    STATUSES,
    ResultRow,
    RunIdentity,
    RunSettings,
    Status,
    TestSplit,
    Verdict,
)
from harness.results.store import ResultStore, iter_rows, read_rows, unique_rows
from harness.results.trajectory import LostAttempt, ModelCall, Trajectory, Turn

__all__ = [
    "STATUSES",
    "LostAttempt",
    "ModelCall",
    "ResultRow",
    "ResultStore",
    "RunIdentity",
    "RunSettings",
    "Status",
    "TestSplit",
    "Trajectory",
    "Turn",
    "Verdict",
    "iter_rows",
    "read_rows",
    "unique_rows",
]
