"""The run's shared services on a real two-node Ray cluster: the model slots hold their limit
across nodes and take back what a dead attempt held; the ledger keeps each attempt's calls."""

import subprocess
import sys
import time

import pytest

# the cluster tests need the ray extra; without it (a plain .[test] install) they are not collected
pytest.importorskip("ray")
import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from harness import HarnessError
from harness.cluster.services import ClusterSlot, ModelSlots, Services, SpendLedger
from harness.models.retry import concurrency_slots
from harness.pricing import Usage
from harness.results import ModelCall, read_rows
from harness.results.journal import AttemptEntry, read_journal

from .conftest import run_id
from .fake_openai import FakeOpenAI, deepseek_usage
from .ray_cluster import ROOT, environment

pytestmark = pytest.mark.cluster


def hold(keeper, holder: str, seconds: float) -> tuple[str, float, float]:
    with ClusterSlot(keeper, holder):
        start = time.time()
        time.sleep(seconds)
        end = time.time()
    return ray.get_runtime_context().get_node_id(), start, end


def most_at_once(spans: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def test_slots_hold_their_limit_across_nodes(ray_cluster):
    keeper = ray.remote(ModelSlots).remote(2)
    nodes = [ray_cluster.node_id(node) for node in ray_cluster.nodes]
    remote = ray.remote(hold)
    refs = [
        remote.options(
            num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(nodes[i % 2], False)
        ).remote(keeper, f"attempt-{i}", 0.4)
        for i in range(8)
    ]
    results = ray.get(refs, timeout=120)
    assert {node for node, _, _ in results} == set(nodes)  # both nodes asked for slots
    assert most_at_once([(start, end) for _, start, end in results]) == 2
    assert ray.get(keeper.in_use.remote()) == (0, 2)


def test_the_slots_of_a_dead_attempt_come_back(ray_cluster):
    keeper = ray.remote(ModelSlots).remote(1)
    ray.get(keeper.acquire.remote("dead"))
    waiting = keeper.acquire.remote("alive")
    assert ray.wait([waiting], timeout=0.5)[0] == []
    assert ray.get(keeper.release_all.remote("dead")) == 1
    ray.get(waiting, timeout=10)
    keeper.release.remote("dead")  # a late release of the dead attempt gives nothing back twice
    assert ray.get(keeper.in_use.remote())[0] == 1


def call(cost: float) -> ModelCall:
    return ModelCall(
        turn=0, tier="flash", model="m", reason="default", usage=Usage(1, 2, 3, 0), cost_usd=cost
    )


def test_the_ledger_keeps_each_attempts_calls_until_taken_and_journals_them(ray_cluster, tmp_path):
    ledger = ray.remote(SpendLedger).remote()
    ray.get(ledger.open.remote(str(tmp_path / "run.spend")))
    a, b = (AttemptEntry.new("r", (name, "pro", 0), "") for name in ("t-a", "t-b"))
    ledger.started.remote(a.attempt, "node-1")
    ledger.call.remote(a, "settled", 0, call(0.5))
    ledger.call.remote(a, "sending", 1, call(0.25))
    ledger.call.remote(b, "settled", 0, call(1.0))
    node, calls = ray.get(ledger.take.remote(a.attempt))
    assert node == "node-1" and [c.cost_usd for c in calls] == [0.5, 0.25]
    assert ray.get(ledger.take.remote(a.attempt)) == ("", [])
    assert ray.get(ledger.take.remote(b.attempt))[1] == [call(1.0)]
    # on disk too, before the node was told to go on: what a dead driver leaves behind
    journal = read_journal(tmp_path / "run.spend", set())
    paid = {s.started.instance_id: [c.cost_usd for c in s.paid] for s in journal.unrecorded}
    assert paid == {"t-a": [0.5, 0.25], "t-b": [1.0]}


def test_clients_inside_an_attempt_take_the_clusters_slots(ray_cluster):
    keeper = ray.remote(ModelSlots).remote(3)
    services = Services(ray.remote(SpendLedger).remote(), {("http://e", "m"): keeper})
    with services.attempt("x"):
        slot = concurrency_slots("http://e/", "m", 8)
        with slot:
            assert ray.get(keeper.in_use.remote())[0] == 1
        with pytest.raises(HarnessError, match="no concurrency limit"):
            concurrency_slots("http://e", "other", 8)
    assert isinstance(slot, ClusterSlot) and slot.holder == "x"
    assert not isinstance(concurrency_slots("http://e", "m", 8), ClusterSlot)
    assert ray.get(keeper.in_use.remote())[0] == 0


def run_on_cluster(cluster, server, limit: int, output) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "--policy=flash",
            "--slice=0:40:10",
            f"--ray={cluster.address}",
            f"--base-url={server.url}",
            f"--max-concurrency={limit}",
            "--max-steps=3",
            f"--output={output}",
            f"--run-id={run_id('limit')}",
            "--no-progress",
        ],
        cwd=ROOT,
        env={**environment(), "DEEPSEEK_API_KEY": "sk-test"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.docker
@pytest.mark.parametrize("limit", [1, 2])
def test_max_concurrency_holds_for_the_whole_cluster(ray_cluster, tmp_path, limit):
    """Four tasks at once on two nodes, against one endpoint: never more requests in flight
    than the limit, and with room for two, two (so it is the limit that holds them back)."""
    reply = {"content": "```bash\ntrue\n```", "usage": deepseek_usage(0, 100, 10), "delay": 0.4}
    with FakeOpenAI([reply] * 12) as server:
        run_on_cluster(ray_cluster, server, limit, tmp_path / "rows.jsonl")
    rows = read_rows(tmp_path / "rows.jsonl")
    assert len(rows) == 4 and all(row.turns == 3 for row in rows)
    assert len(server.requests) == 12
    assert server.max_in_flight == limit
    assert server.headers[0]["authorization"] == "Bearer sk-test"  # the key reached the nodes
