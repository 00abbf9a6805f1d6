"""Which of a calibration's assumptions the runs break, in the words `sim validate` and
`sim fit` print them: the rejected tests of the diagnosis (calibration/diagnose.py), and the
assumption a fold makes when its fit saw no re-runs of a turn by the other tier (it takes the
tiers' draws as independent) while the runs it predicts show them coupled."""

from __future__ import annotations

from collections.abc import Sequence

from harness.calibration.diagnose import COUPLING, Diagnosis
from harness.calibration.folds import Fold
from harness.calibration.observe import has_reruns


def broken(diagnosis: Diagnosis, chosen: Sequence[Fold] = ()) -> list[str]:
    """One line per broken assumption, naming it first."""
    lines = [
        f"{test.assumption} ({test.tier}, p = {test.p_value:.2g}): {test.details[0]}"
        for test in diagnosis.rejected
    ]
    coupling = diagnosis.coupling
    if coupling is None or coupling.low <= 0:
        return lines
    for fold in chosen:
        if has_reruns(fold.held_out) and not has_reruns(fold.training):
            lines.append(
                f"{COUPLING} ({fold.name}): its fit saw no re-runs of a turn by the other tier "
                f"and took the tiers' draws as independent (coupling 0); the re-runs of the "
                f"runs measure {coupling.value:.2f} (95% interval {coupling.low:.2f} to "
                f"{coupling.high:.2f}, {coupling.reruns} re-runs)"
            )
    return lines
