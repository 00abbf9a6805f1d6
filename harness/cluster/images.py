"""The images of a cluster run: an image keeper on each node, with the node's own disk
budget, and the node each task goes to by preference: one that already holds its image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ray
import ray.exceptions
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from harness import HarnessError, InfrastructureError
from harness.cluster import DOCKER_RESOURCE, NAMESPACE
from harness.cluster.nodes import NodeImages, NodeSandboxes
from harness.sandbox.keeper import Acquired
from harness.sandbox.settings import ImageSettings
from harness.tasks import Task


@dataclass(frozen=True)
class RemoteKeeper:
    """A node's image keeper, asked from a worker process of that node."""

    actor: Any

    def plan(self, tasks: list[Task]) -> None:
        """Nothing is planned on a node: its tasks arrive one by one."""

    def acquire(self, task: Task) -> Acquired:
        try:
            acquired: Acquired = ray.get(self.actor.acquire.remote(task))
        except ray.exceptions.RayTaskError as exc:  # the keeper's own words, not Ray's
            if isinstance(exc.cause, HarnessError):
                raise InfrastructureError(str(exc.cause)) from None
            raise
        return acquired

    def release(self, task: Task) -> None:
        ray.get(self.actor.release.remote(task))


@dataclass(frozen=True)
class NodeKeepers:
    """The image keepers of the run's nodes; called on a node, the one of that node."""

    actors: dict[str, Any]

    def __call__(self) -> RemoteKeeper | None:
        actor = self.actors.get(ray.get_runtime_context().get_node_id())
        return RemoteKeeper(actor) if actor is not None else None


def start_keepers(
    sandboxes: NodeSandboxes, settings: ImageSettings, nodes: list[dict[str, Any]]
) -> NodeKeepers:
    """One image keeper per node with Docker, on that node, for this run."""
    actors = {
        node["NodeID"]: ray.remote(NodeImages)
        .options(
            name=f"images:{sandboxes.run_id}:{node['NodeID']}",
            namespace=NAMESPACE,
            num_cpus=0,
            max_concurrency=1000,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False),
        )
        .remote(
            sandboxes.settings,
            sandboxes.repo_mirror,
            settings,
            int(node["Resources"][DOCKER_RESOURCE]),
        )
        for node in nodes
    }
    return NodeKeepers(actors)


def placements(tasks: list[Task], holders: dict[str, set[str]]) -> dict[str, str]:
    """instance id -> the node to prefer for it: one that holds its image, the one given the
    fewest tasks so far when several do."""
    given: dict[str, int] = dict.fromkeys(holders, 0)
    chosen = {}
    for task in tasks:
        nodes = [node for node, held in holders.items() if task.instance_id in held]
        if nodes:
            node = min(nodes, key=lambda n: (given[n], n))
            given[node] += 1
            chosen[task.instance_id] = node
    return chosen


def prefer(node: str) -> NodeAffinitySchedulingStrategy:
    """On `node` when it has a free slot, elsewhere rather than wait for it."""
    return NodeAffinitySchedulingStrategy(node, soft=True, _spill_on_unavailable=True)
