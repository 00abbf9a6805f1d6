"""Finding and removing the harness's containers by label, never by name."""

from __future__ import annotations

import os
import socket
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import docker
import docker.errors

from harness import first_line

LABEL = "cascade-harness"
RUN_LABEL = "cascade-harness.run"
OWNER_LABEL = "cascade-harness.owner"  # host:pid of the run, so gc can tell a dead run
# Unique to one provider object: a run removes only its own containers, even when another
# live run was given the same --run-id.
INSTANCE_LABEL = "cascade-harness.instance"


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_labels(run_id: str, instance: str) -> dict[str, str]:
    """The labels every container of a run carries."""
    return {LABEL: "1", RUN_LABEL: run_id, OWNER_LABEL: owner(), INSTANCE_LABEL: instance}


def labelled(
    client: docker.DockerClient, labels: dict[str, str]
) -> list[tuple[str, dict[str, str]]]:
    """(id, labels) of matching containers, from the list call alone: a container removed by
    someone else meanwhile cannot make the listing fail."""
    filters: dict[str, str | list[str] | bool] = {
        "label": [f"{key}={value}" for key, value in labels.items()]
    }
    return [
        (str(c.id), c.attrs.get("Labels") or {})
        for c in client.containers.list(all=True, filters=filters, sparse=True)
    ]


def _remove(client: docker.DockerClient, container_id: str) -> bool:
    try:
        client.api.remove_container(container_id, force=True)
        return True
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError as exc:
        if exc.status_code == 409:  # a removal is already under way
            return False
        raise


def remove_containers(client: docker.DockerClient, labels: dict[str, str]) -> int:
    """Remove the matching containers, all at once: a run told to stop does not wait for one
    removal after another (each takes the engine up to a second or two under load)."""
    found = [cid for cid, _ in labelled(client, labels)]
    if len(found) < 2:
        return sum(_remove(client, cid) for cid in found)
    with ThreadPoolExecutor(max_workers=min(8, len(found))) as removals:
        return sum(removals.map(partial(_remove, client), found))


def _dead(owner_label: str) -> bool:
    host, _, pid = owner_label.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's run: only --all removes it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def collect_garbage(client: docker.DockerClient, everything: bool = False) -> list[str]:
    """Remove the containers of runs that died (their process is gone), found by label;
    with `everything`, every container the harness made. Returns the run ids removed."""
    removed = []
    for container_id, labels in labelled(client, {LABEL: "1"}):
        if (everything or _dead(labels.get(OWNER_LABEL, ""))) and _remove(client, container_id):
            removed.append(labels.get(RUN_LABEL, "?"))
    return removed


def why_stopped(container: Any) -> str | None:
    """Why a sandbox container can no longer run commands, in plain words; None while it
    runs. Read from the engine, so that a task's row says "the sandbox container stopped"
    rather than what a broken socket raised."""
    try:
        container.reload()
    except docker.errors.NotFound:
        return "the sandbox container was removed while the task ran"
    except (docker.errors.DockerException, OSError) as exc:
        return f"the Docker engine stopped answering ({first_line(exc, 150)})"
    state = container.attrs.get("State") or {}
    if state.get("Running"):
        return None
    code = state.get("ExitCode")
    if state.get("OOMKilled"):
        how = "out of memory; see --memory"
    elif code == 137:
        how = "killed: exit code 137"
    else:
        how = f"exit code {code}"
    return f"the sandbox container stopped ({how})"
