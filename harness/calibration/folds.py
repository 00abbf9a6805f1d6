"""How `sim validate` splits the runs into what a fit sees and what it must predict.

- by policy: each policy in turn is held out whole (a cascade predicted from pro-only and
  flash-only runs, say): does the simulator route as the real agent did?
- by run: each run in turn, the others fitted (a policy the fit also saw is predicted too);
- by tasks: k folds over the tasks, each holding out every row of its tasks: the held-out
  tasks are new to the fit, as tasks of a changed suite are to a CI run on it. Tasks go to
  folds by a hash of their id, so the folds do not depend on the order of the rows.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from harness.calibration.observe import Observed

HoldOut = Literal["policy", "run", "tasks"]


@dataclass(frozen=True)
class Fold:
    name: str
    held_out: list[Observed]
    training: list[Observed]

    @property
    def policies(self) -> list[str]:
        return sorted({o.row.policy for o in self.held_out})

    def left_out(self, policy: str) -> bool:
        """The fit saw no row of this policy."""
        return all(o.row.policy != policy for o in self.training)

    @property
    def new_tasks(self) -> list[str]:
        """Held-out tasks the fit did not see."""
        seen = {o.row.instance_id for o in self.training}
        return sorted({o.row.instance_id for o in self.held_out} - seen)


def folds(observed: Sequence[Observed], hold_out: HoldOut, k: int = 5) -> list[Fold]:
    if hold_out == "tasks":
        return task_folds(observed, k)
    groups: dict[str, list[Observed]] = defaultdict(list)
    for o in observed:
        groups[o.row.policy if hold_out == "policy" else o.run].append(o)
    return [
        Fold(f"{hold_out} {name}", held, [o for o in observed if all(o is not h for h in held)])
        for name, held in sorted(groups.items())
    ]


def task_folds(observed: Sequence[Observed], k: int) -> list[Fold]:
    """k folds of tasks (fewer when there are fewer tasks), dealt in the order of a hash."""
    tasks = sorted(
        {o.row.instance_id for o in observed},
        key=lambda t: hashlib.sha256(t.encode()).hexdigest(),
    )
    k = min(k, len(tasks))
    chosen = [set(tasks[i::k]) for i in range(k)]
    return [
        Fold(
            f"tasks {i + 1}/{k}",
            [o for o in observed if o.row.instance_id in held],
            [o for o in observed if o.row.instance_id not in held],
        )
        for i, held in enumerate(chosen)
    ]


def only(chosen: Sequence[Fold], policies: Sequence[str] | None) -> list[Fold]:
    """The folds with their held-out rows cut to these policies (all when none are named);
    folds left with nothing to predict are dropped."""
    found = []
    for fold in chosen:
        held = [o for o in fold.held_out if not policies or o.row.policy in policies]
        if held:
            found.append(Fold(fold.name, held, fold.training))
    return found
