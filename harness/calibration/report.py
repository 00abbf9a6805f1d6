"""What `sim fit`, `sim validate` and `sim diagnose` print: the fitted parameters by tier,
predictions against measurements with the calibration error, and the checks of the fit's
assumptions."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from harness.calibration.diagnose import COUPLING, Diagnosis, Shape
from harness.calibration.fit import Fit
from harness.calibration.validate import Prediction
from harness.models.sim_params import FailureMix, SimParams, TierBehaviour
from harness.reporting.tables import format_table, money, percent
from harness.tiers import TIERS, Tier

FIT_HEADERS = ["", *TIERS]


def _number(value: float, digits: int = 1) -> str:
    return "never" if math.isinf(value) else f"{value:,.{digits}f}"


def fit_table(result: Fit) -> str:
    params = result.params
    measured = params.calibration.measured if params.calibration else {}
    tokens = params.tokens or {}
    rows: list[list[str]] = []

    def add(label: str, cell: Callable[[Tier], str]) -> None:
        rows.append([label, *(cell(tier) for tier in TIERS)])

    add("fix attempts (own turns)", lambda t: str(int(measured[t]["attempts"])))
    add("fixes", lambda t: str(int(measured[t]["fixes"])))
    add("solve probability, tier mean", lambda t: percent(result.priors[t].prior.mean))
    add("prior weight (alpha + beta)", lambda t: _number(result.priors[t].prior.weight))
    add("prior weight, 95% interval", lambda t: _range(result.priors[t].weight_interval()))
    for kind in ("wrong_edit", "malformed_diff", "no_action"):
        rows.append([f"failure mix: {kind}", *(_share(params.failure.mix(t), kind) for t in TIERS)])
    add("vote agreement", lambda t: percent(getattr(params.votes, t)))
    for name in (
        "explore_commands",
        "fix_attempts",
        "commands_after_red",
        "commands_between_attempts",
        "commands_after_fix",
    ):
        shaped = (_number(getattr(_shape(params, t), name)) for t in TIERS)
        rows.append([name.replace("_", " "), *shaped])
    add("turns to a fix (measured)", lambda t: _number(measured[t]["turns_to_fix"]))
    add("prompt base (tokens)", lambda t: _number(tokens[t].prompt_base, 0))
    add("prompt growth per turn", lambda t: _number(tokens[t].prompt_growth, 0))
    add("visible output per call", lambda t: _number(tokens[t].output, 0))
    add("reasoning per call", lambda t: _number(params.reasoning[t], 0))
    add("cache hit ratio (warm)", lambda t: percent(tokens[t].cache_hit_ratio))
    add("cache hits of a first call", lambda t: _number(tokens[t].cold_cache_hit, 0))
    table = format_table(FIT_HEADERS, rows)
    reruns = measured.get("reruns")
    coupling = (
        f"{params.solve.coupling:.2f} (standard error {reruns['coupling_se']:.2f}, from "
        f"{int(reruns['reruns'])} re-runs)"
        if reruns
        else "0 (assumed: no re-runs in these runs)"
    )
    return f"{table}\ncoupling of the tiers' draws: {coupling}"


def _range(interval: tuple[float, float]) -> str:
    return f"{_number(interval[0])} - {_number(interval[1])}"


def _share(mix: FailureMix, kind: str) -> str:
    weights = [getattr(mix, k) for k in ("wrong_edit", "malformed_diff", "no_action")]
    return percent(getattr(mix, kind) / sum(weights))


def _shape(params: SimParams, tier: Tier) -> TierBehaviour:
    shape: TierBehaviour = getattr(params.behaviour, tier)
    return shape


def _value(metric: str, value: float | None) -> str:
    return percent(value) if metric == "pass rate" else money(value)


def _interval(p: Prediction) -> str:
    if p.interval is None:
        return "-"
    low, high = p.interval
    return f"{_value(p.metric, low)} - {_value(p.metric, high)}"


def _error(p: Prediction) -> str:
    if p.error is None:
        return "-"
    return f"{100 * p.error:+.1f} pts" if p.metric == "pass rate" else f"{100 * p.error:+.1f}%"


VALIDATE_HEADERS = [
    "held out",
    "policy",
    "metric",
    "measured",
    "predicted",
    "95% prediction interval",
    "error",
    "inside",
]


def validation_table(predictions: Sequence[Prediction]) -> str:
    rows = [
        [
            p.fold,
            p.policy + ("" if p.policy_left_out else " (also in the fit)"),
            p.metric,
            _value(p.metric, p.measured),
            _value(p.metric, p.mean),
            _interval(p),
            _error(p),
            "-" if p.inside is None else "yes" if p.inside else "NO",
        ]
        for p in predictions
    ]
    return format_table(VALIDATE_HEADERS, rows)


def calibration_error(predictions: Sequence[Prediction]) -> str:
    """Mean absolute errors by metric and how many measurements fell in their interval."""
    parts = []
    for metric, unit in (("pass rate", "points"), ("cost per resolved task", "%")):
        errors = [abs(p.error) for p in predictions if p.metric == metric and p.error is not None]
        if errors:
            mean = 100 * sum(errors) / len(errors)
            parts.append(f"{metric} {mean:.1f}{'' if unit == '%' else ' '}{unit}")
    judged = [p for p in predictions if p.inside is not None]
    inside = sum(1 for p in judged if p.inside)
    return (
        "calibration error (mean absolute): "
        + ("; ".join(parts) or "-")
        + f"; {inside} of {len(judged)} measured values inside their 95% prediction intervals"
    )


def misses_text(outside: int, suspects: list[str]) -> str:
    """What `sim validate` says when measured values fall outside their intervals."""
    head = (
        f"{outside} measured value(s) outside their prediction interval: the calibration does "
        "not predict these runs."
    )
    if not suspects:
        return (
            f"{head}\nNone of the assumptions `sim diagnose` checks is rejected: the cause is "
            "something its checks do not cover."
        )
    return f"{head}\nAssumptions these runs break:\n" + "\n".join(f"- {s}" for s in suspects)


def diagnosis_text(diagnosis: Diagnosis) -> str:
    """The checks, then what is measured as the fit uses it, then the shapes."""
    tests = len(diagnosis.tests)
    lines = [
        f"Assumptions of the fit, checked on {diagnosis.task_runs} task run(s) of "
        f"{diagnosis.runs} run(s). An assumption is rejected when its test's p-value is under "
        f"{diagnosis.level:.2g} (5% over the {tests} tests made, Bonferroni); intervals are 95%.",
        "",
    ]
    for test in diagnosis.tests:
        verdict = "REJECTED" if test.rejected(diagnosis.level) else "holds"
        lines.append(f"{test.assumption} ({test.tier}): {verdict} (p = {test.p_value:.2g})")
        lines += [f"  {detail}" for detail in test.details]
    coupling = diagnosis.coupling
    lines.append(
        f"{COUPLING}: {coupling.value:.2f} (95% interval {coupling.low:.2f} to "
        f"{coupling.high:.2f}, from {coupling.reruns} re-runs); the fit uses it"
        if coupling
        else f"{COUPLING}: no re-runs of a turn by the other tier (cascade runs) in these "
        "runs; the fit takes the tiers' draws as independent (0), which a prediction of a "
        "cascade rests on"
    )
    rho, low, high = diagnosis.correlation.interval()
    told = math.isfinite(diagnosis.correlation.rho.se) and not (low < -0.95 and high > 0.95)
    lines.append(
        f"tier correlation across tasks: {rho:.2f} (95% interval {low:.2f} to {high:.2f}, "
        f"{diagnosis.correlation.tasks} tasks both tiers attempted); tasks outside a fit are "
        "drawn with it"
        if told
        else "tier correlation across tasks: the runs cannot tell (too few tasks both tiers "
        "attempted, or too little spread between them); tasks outside a fit are drawn with a "
        "correlation as uncertain (0 where it cannot be estimated at all)"
    )
    rows = [
        [shape.name, str(shape.tier), _number(shape.mean, 2), _shape_interval(shape)]
        for shape in diagnosis.shapes
    ]
    headers = ["shape (mean per task run, or per call for tokens)", "tier", "mean", "95% interval"]
    return "\n".join(lines) + "\n\n" + format_table(headers, rows)


def _shape_interval(shape: Shape) -> str:
    return f"{_number(shape.low, 2)} - {_number(shape.high, 2)}"
