"""The spend journal: every call written before its request goes out and before its reply is
used; an attempt that never reached a row is counted by reports and carried by the next
attempt at its task, once."""

import json
from dataclasses import dataclass

import pytest

from harness.agent.policy import BUILTIN
from harness.models import Completion
from harness.models.factory import ModelFamily
from harness.pricing import Usage, load_prices
from harness.reporting.collect import collect
from harness.results import ModelCall, ResultRow, ResultStore, RunIdentity, read_rows
from harness.results.journal import (
    AttemptEntry,
    SpendJournal,
    journal_path,
    read_journal,
)
from harness.results.store import iter_rows
from harness.runner import RunConfig, run_tasks

from .helpers import fence, result_row, run_cli, write_rows

PRICES = load_prices()


def call(cost: float, source: str = "reported") -> ModelCall:
    return ModelCall(
        turn=0,
        tier="flash",
        model="deepseek-v4-flash",
        reason="default",
        usage=Usage(0, 10, 1),
        cost_usd=cost,
        usage_source=source,
    )


def identity(run_id: str = "r1") -> RunIdentity:
    return RunIdentity(
        run_id=run_id,
        model_name_or_path="sim:cascade:f+p",
        policy="cascade",
        policy_hash="h",
        backend="sim",
        synthetic=True,
        seed=0,
        price_table="v1",
        harness_version="0",
    )


def started(instance_id: str, run_id: str = "r1") -> AttemptEntry:
    return AttemptEntry.new(run_id, (instance_id, "cascade", 0), "")


def test_a_call_never_settled_stays_as_sent_and_a_cut_line_is_as_if_never_written(tmp_path):
    path = tmp_path / "run.spend"
    journal = SpendJournal(path)
    journal.run(identity())
    first, second = started("t-1"), started("t-2")
    watch = journal.observer(first)
    watch.sending(0, call(0.5, "unknown"))
    watch.settled(0, call(0.25))
    watch.sending(1, call(0.125, "unknown"))  # killed here: no reply was ever read
    journal.close()
    with open(path, "ab") as out:  # a kill -9 in the middle of a write
        out.write(b'{"event": "sending", "attempt": "r1:x", "number": 0, "call": {"tu')
    again = SpendJournal(path)
    again.observer(second).settled(0, call(1.0))
    again.close()
    spends = {s.started.instance_id: s for s in read_journal(path, set()).unrecorded}
    assert [(c.cost_usd, c.usage_source) for c in spends["t-1"].paid] == [
        (0.25, "reported"),
        (0.125, "unknown"),
    ]
    assert [c.cost_usd for c in spends["t-2"].paid] == [1.0]
    lines = path.read_text().splitlines()
    assert lines[-3].endswith('{"tu') and [json.loads(line)["event"] for line in lines[-2:]] == [
        "attempt",
        "settled",
    ]


def test_a_closed_journal_refuses_to_write_so_no_further_request_goes_out(tmp_path):
    journal = SpendJournal(tmp_path / "run.spend")
    journal.close()
    with pytest.raises(Exception, match="closed"):
        journal.observer(started("t-1")).sending(0, call(0.5))


def test_reports_count_attempts_that_reached_no_row_once_and_rows_that_carry_them_not_again(
    tmp_path,
):
    results = tmp_path / "run.jsonl"
    journal = SpendJournal(journal_path(results))
    journal.run(identity())
    lost, carried, finished, other = (started(f"t-{n}") for n in (1, 2, 2, 3))
    journal.observer(lost).settled(0, call(0.5))  # t-1: stopped, never run again
    journal.observer(carried).settled(0, call(0.25))  # t-2: stopped, then run again ...
    journal.observer(finished).settled(0, call(1.0))
    journal.absorbed(finished.attempt, [carried.attempt])  # ... and its row carries it
    absorber = started("t-3")  # an attempt that absorbed another but reached no row itself
    journal.observer(other).settled(0, call(0.0625))
    journal.absorbed(absorber.attempt, [other.attempt])
    journal.close()
    row = result_row(
        "t-2", "resolved", 1.0, attempt_id=finished.attempt, lost_attempts=1, lost_cost_usd=0.25
    )
    write_rows(results, [row])
    warnings: list[str] = []
    [summary] = collect([results, results], warn=warnings.append).summaries()
    m = summary.metrics
    assert m.tasks == 1 and m.unrecorded == 2
    assert m.cost_usd == pytest.approx(1.0 + 0.25 + 0.5 + 0.0625)
    assert m.error_cost_usd == pytest.approx(0.25 + 0.5 + 0.0625)
    [summary] = collect([results]).summaries()
    assert any("2 attempt(s) reached no row" in note for note in summary.notes), summary.notes


def test_an_unknown_call_is_counted_and_marks_the_totals_as_estimates(tmp_path, capsys):
    results = tmp_path / "run.jsonl"
    journal = SpendJournal(journal_path(results))
    journal.run(identity())
    journal.observer(started("t-2")).sending(0, call(0.125, "unknown"))
    journal.close()
    write_rows(results, [result_row("t-1", "resolved", 1.0, inexact_calls={"estimated": 1})])
    code, out, _ = run_cli(capsys, "report", str(results))
    assert code == 0 and "~$1.125" in out
    assert "1 estimated from the text" in out and "1 of unknown usage" in out


class Interrupted(BaseException):
    """Stands for the KeyboardInterrupt that SIGTERM raises, without stopping pytest."""


@dataclass(frozen=True)
class Stopping(ModelFamily):
    """Scripted models; the call after `calls` replies is cut short as SIGTERM cuts a run."""

    replies: tuple[str, ...] = ()

    def build(self, task, tiers):
        return {tier: Script(self.name_of(tier), list(self.replies)) for tier in tiers}

    def name_of(self, tier):
        return self.settings.names[tier]


class Script:
    def __init__(self, name, replies):
        self.name, self.replies = name, replies

    def complete(self, messages):
        reply = self.replies.pop(0)
        if reply == "STOP":
            raise Interrupted
        if reply == "FAIL":
            raise RuntimeError("a bug in the model client")
        return Completion(reply, Usage(cache_hit=200, cache_miss=800, output=50, reasoning=10))


def test_an_interrupted_attempts_spend_is_kept_and_carried_by_the_resumed_run(
    tmp_path, local, calc_task
):
    """The spend of an attempt cut short used to vanish on resume; now the journal keeps it,
    the report counts it, and the next attempt's row carries it, once."""
    look = fence("bash", "ls")
    path = tmp_path / "run.jsonl"
    stopping = Stopping(replies=(look, look, "STOP"))
    config = RunConfig(policy=BUILTIN["flash"], prices=PRICES, models=stopping)
    with ResultStore(path) as store, pytest.raises(Interrupted):
        run_tasks([calc_task], config, local, store)
    one = PRICES.price("deepseek-v4-flash")
    paid = (200 * one.input_cache_hit + 800 * one.input_cache_miss + 50 * one.output) / 1e6
    [before] = collect([path]).summaries()
    assert before.metrics.tasks == 0 and before.metrics.unrecorded == 1
    assert before.metrics.unknown_calls == 1  # the third call was sent, never answered
    in_flight = before.metrics.cost_usd - 2 * paid
    assert in_flight > 0
    resumed = RunConfig(
        policy=BUILTIN["flash"], prices=PRICES, models=Stopping(replies=(fence("submit", ""),))
    )
    with ResultStore(path) as store:
        run_tasks([calc_task], resumed, local, store)
    [row] = read_rows(path)
    assert row.lost_attempts == 1 and row.inexact_calls == {"unknown": 1}
    assert row.lost_cost_usd == pytest.approx(2 * paid + in_flight)
    [after] = collect([path]).summaries()
    assert after.metrics.unrecorded == 0  # carried by the row, not counted twice
    assert after.metrics.cost_usd == pytest.approx(row.cost_usd + 2 * paid + in_flight)
    trajectory = json.loads((tmp_path / row.trajectory).read_text())
    [lost] = trajectory["lost_attempts"]
    assert [c["usage_source"] for c in lost["calls"]] == ["reported", "reported", "unknown"]
    entries = [json.loads(line) for line in journal_path(path).read_text().splitlines()]
    assert [e["event"] for e in entries].count("absorbed") == 1


def test_a_journal_that_cannot_be_written_is_bad_input_before_any_work(tmp_path, capsys):
    (tmp_path / "out.spend").mkdir()
    code, out, err = run_cli(capsys, "--output", str(tmp_path / "out.jsonl"), "--slice", "0:1")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err == f"harness: error: spend journal {tmp_path / 'out.spend'} is a directory\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.spend"]


def test_an_errored_row_rerun_and_an_attempt_cut_short_between_are_each_counted_once(
    tmp_path, local, calc_task
):
    """--rerun-errors: the errored row keeps its spend, the attempt stopped on the rerun is
    carried by the row that finally finished, and the report counts each dollar once."""
    look, path = fence("bash", "ls"), tmp_path / "run.jsonl"
    one = PRICES.price("deepseek-v4-flash")
    paid = (200 * one.input_cache_hit + 800 * one.input_cache_miss + 50 * one.output) / 1e6

    def run(replies, retry=True):
        config = RunConfig(policy=BUILTIN["flash"], prices=PRICES, models=Stopping(replies=replies))
        with ResultStore(path) as store:
            run_tasks([calc_task], config, local, store, retry_errors=retry)

    run((look, "FAIL"), retry=False)  # one call paid, then a bug: an error row
    [errored] = read_rows(path)
    assert errored.status == "error" and errored.cost_usd == pytest.approx(paid)
    with pytest.raises(Interrupted):
        run((look, "STOP"))  # the rerun paid one call and was stopped in the next
    [middle] = collect([path]).summaries()
    assert middle.metrics.unrecorded == 1 and middle.metrics.unknown_calls == 1
    in_flight = middle.metrics.cost_usd - 2 * paid
    assert in_flight > 0
    run((fence("submit", ""),))
    errored_again, finished = iter_rows(path, ResultRow)
    assert errored_again == errored and finished.status != "error"
    assert finished.lost_attempts == 1
    assert finished.lost_cost_usd == pytest.approx(paid + in_flight)
    [after] = collect([path]).summaries()
    assert after.metrics.unrecorded == 0 and after.metrics.unknown_calls == 1
    total = errored.cost_usd + paid + in_flight + finished.cost_usd
    assert after.metrics.cost_usd == pytest.approx(total)
    assert after.metrics.error_cost_usd == pytest.approx(errored.cost_usd + paid + in_flight)
