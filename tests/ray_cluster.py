"""A real Ray cluster on this machine for tests: a head and worker nodes, each started by
`ray start` as its own group of processes, so that one node can be killed whole."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAY = str(Path(sys.executable).parent / "ray")
OBJECT_STORE_BYTES = 80 * 2**20  # small: tasks pass trajectories, not data


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment() -> dict[str, str]:
    """What every node and driver of the test cluster runs with: this tree's harness first
    on the path (the venv may hold another checkout's), no usage reporting."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "RAY_USAGE_STATS_ENABLED": "0"}


@dataclass
class Node:
    name: str
    group: int  # the process group `ray start` left its processes in

    def processes(self) -> list[int]:
        """The node's processes: its group, and everything they started (Ray's worker
        processes sit in groups of their own)."""
        table = _process_table()
        found = {pid for pid, (_, group) in table.items() if group == self.group}
        while True:
            more = {pid for pid, (parent, _) in table.items() if parent in found} - found
            if not more:
                return sorted(found)
            found |= more

    def kill(self) -> list[int]:
        pids = self.processes()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids


def _marker(name: str) -> str:
    return f"test-node-{name}"


def _process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, process group) of every process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return table


class LocalCluster:
    """A head with `head_slots` of the docker resource, and workers added one by one."""

    def __init__(self, head_slots: int = 2):
        # unix socket paths must stay short, so not under pytest's tmp_path
        self.temp_dir = tempfile.mkdtemp(prefix="rh-", dir="/tmp")
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.nodes: list[Node] = []
        self.head = self._start(
            "head", head_slots, ["--head", f"--port={self.port}", "--include-dashboard=false"]
        )

    def add_worker(self, slots: int = 2) -> Node:
        name = f"worker{len(self.nodes)}"
        return self._start(name, slots, [f"--address={self.address}"])

    def _start(self, name: str, slots: int, where: list[str]) -> Node:
        # each node carries a resource named after it, so a test can find its Ray node id
        resources = json.dumps({"docker": slots, _marker(name): 1})
        process = subprocess.Popen(
            [
                RAY,
                "start",
                *where,
                "--num-cpus=1",
                f"--resources={resources}",
                f"--object-store-memory={OBJECT_STORE_BYTES}",
                f"--temp-dir={self.temp_dir}",
                "--disable-usage-stats",
            ],
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the node's processes get this group
        )
        output, _ = process.communicate(timeout=120)
        if process.returncode != 0:
            raise RuntimeError(f"ray start {name} failed: {output.decode()[-2000:]}")
        node = Node(name, process.pid)
        self.nodes.append(node)
        return node

    def kill(self, node: Node) -> list[int]:
        """Kill a node's processes at once, as a machine that dies; the pids it had."""
        self.nodes.remove(node)
        return node.kill()

    def node_id(self, node: Node) -> str:
        """The Ray node id of a node, as rows and trajectories name it."""
        import ray

        for info in ray.nodes():
            if info["Alive"] and _marker(node.name) in info["Resources"]:
                return str(info["NodeID"])
        raise LookupError(node.name)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.kill()
        time.sleep(0.5)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def ray_cluster():
    """A head and one worker node, each with two task slots; this process joins as a
    driver (to look at the cluster, and to run tasks of its own)."""
    import ray

    cluster = LocalCluster()
    try:
        cluster.add_worker()
        ray.init(address=cluster.address, logging_level="WARNING", log_to_driver=False)
        yield cluster
    finally:
        ray.shutdown()
        cluster.stop()
