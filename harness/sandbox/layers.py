"""What images take on disk: their layers, each stored once however many images share it.

Two images share a stored layer when they share the layers below it too, so a layer is named
by its chain id (the OCI image spec's hash of the diff ids up to it). Sizes come from the
engine's history of each image, which gives the size of every layer-making step and 0 for
steps that make none (ENV, LABEL, ...). When the steps with a size do not line up with the
layers one to one, the image's whole size is put on its top layer: a run then counts more
than it holds, never less.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import docker
import docker.errors

METADATA_STEP = re.compile(
    r"#\(nop\)|^(ENV|LABEL|CMD|ENTRYPOINT|EXPOSE|ARG|USER|WORKDIR|STOPSIGNAL|HEALTHCHECK|"
    r"SHELL|ONBUILD|VOLUME|MAINTAINER)\b"
)


def chain_ids(diff_ids: Sequence[str]) -> list[str]:
    """The chain id of each layer: its diff id for the first, then
    sha256(parent chain id + " " + diff id)."""
    chains: list[str] = []
    for diff_id in diff_ids:
        if not chains:
            chains.append(diff_id)
            continue
        digest = hashlib.sha256(f"{chains[-1]} {diff_id}".encode()).hexdigest()
        chains.append(f"sha256:{digest}")
    return chains


@dataclass(frozen=True)
class Step:
    """One entry of an image's history, oldest first."""

    size: int
    created_by: str = ""


def layer_sizes(layers: int, steps: Sequence[Step], total: int) -> list[int]:
    """The size of each of `layers` layers, from the history `steps` (oldest first).

    Steps with a size always made a layer; a step of size 0 may or may not have. When the
    count settles which (every step a layer, only the sized ones, or the sized ones plus the
    steps that do not look like metadata), the sizes are exact; otherwise `total` goes on the
    top layer."""
    sized = [step for step in steps if step.size > 0]
    candidates: list[list[Step]] = [
        list(steps),
        sized,
        [s for s in steps if s.size > 0 or not METADATA_STEP.search(s.created_by.strip())],
    ]
    for chosen in candidates:
        if len(chosen) == layers:
            return [step.size for step in chosen]
    return [0] * (layers - 1) + [total] if layers else []


@dataclass(frozen=True)
class ImageLayers:
    """An image's stored layers, bottom first: (chain id, bytes) each."""

    layers: tuple[tuple[str, int], ...]

    @property
    def chains(self) -> frozenset[str]:
        return frozenset(chain for chain, _ in self.layers)

    @property
    def size(self) -> int:
        return sum(size for _, size in self.layers)


def image_layers(client: docker.DockerClient, name: str) -> ImageLayers:
    """The layers of a local image, with their sizes."""
    image = client.images.get(name)
    diff_ids = list((image.attrs.get("RootFS") or {}).get("Layers") or [])
    steps = [Step(int(h.get("Size") or 0), str(h.get("CreatedBy") or "")) for h in image.history()]
    steps.reverse()  # the engine lists the newest first
    sizes = layer_sizes(len(diff_ids), steps, int(image.attrs.get("Size") or 0))
    return ImageLayers(tuple(zip(chain_ids(diff_ids), sizes)))


def engine_chains(client: docker.DockerClient) -> frozenset[str]:
    """Every layer stored on the engine now, by chain id."""
    for _ in range(3):
        try:
            images = client.images.list()
            break
        except docker.errors.NotFound:  # an image went while it was listed
            continue
    else:
        images = client.images.list()
    chains: set[str] = set()
    for image in images:
        chains.update(chain_ids((image.attrs.get("RootFS") or {}).get("Layers") or []))
    return frozenset(chains)


def disk_use(images: Iterable[ImageLayers], besides: frozenset[str] = frozenset()) -> int:
    """Bytes the images' layers take, each layer once, leaving out the layers in `besides`
    (those that were stored before)."""
    sizes: dict[str, int] = {}
    for image in images:
        for chain, size in image.layers:
            if chain not in besides:
                sizes[chain] = max(size, sizes.get(chain, 0))
    return sum(sizes.values())
