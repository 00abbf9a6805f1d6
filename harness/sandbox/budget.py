"""The disk budget of a run's images: what the images it brought take, what its pulls under
way are expected to take, and which images may go to make room.

Only images the run pulled or built count, each stored layer once, and layers that were on
the engine before the run never count. An image may go once no queued or running task needs
it, the one needed least recently first. Pure bookkeeping: the keeper (sandbox/keeper.py)
does the pulling and removing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from harness.sandbox.layers import ImageLayers, disk_use


@dataclass
class Kept:
    """An image the run brought, while it is on disk."""

    name: str
    layers: ImageLayers
    instance: bool  # a task's own image, not an environment shared by many
    last_needed: float = 0.0


@dataclass
class DiskBudget:
    """`limit` bytes (None: no limit) for the images of one run on one engine."""

    limit: int | None
    stored_before: frozenset[str] = frozenset()  # chain ids on the engine when the run began
    kept: dict[str, Kept] = field(default_factory=dict)
    reserved: int = 0  # expected bytes of the pulls under way
    peak: int = 0
    largest: int = 0  # the most one image of the run added, a guess for unknown sizes
    expansion: float = 1.0  # on-disk bytes per downloaded byte, the most seen in this run

    def used(self) -> int:
        return disk_use((k.layers for k in self.kept.values()), self.stored_before)

    def stored(self) -> frozenset[str]:
        """Chain ids on disk now: before the run, or brought by it."""
        chains = set(self.stored_before)
        for kept in self.kept.values():
            chains |= kept.layers.chains
        return frozenset(chains)

    def fits(self, estimate: int) -> bool:
        return self.limit is None or self.used() + self.reserved + estimate <= self.limit

    def never_fits(self, estimate: int) -> bool:
        return self.limit is not None and estimate > self.limit

    def expected(self, download: int | None) -> int:
        """What an image will add on disk: its new layers' download size times the largest
        expansion seen so far, or, when unknown, as much as the largest image so far."""
        return self.largest if download is None else round(download * self.expansion)

    def add(self, name: str, layers: ImageLayers, instance: bool, download: int | None) -> None:
        """An image the run just brought; learns from it how big images are."""
        added = disk_use([layers], self.stored())
        self.kept[name] = Kept(name, layers, instance)
        self.largest = max(self.largest, added)
        if download:
            self.expansion = max(self.expansion, added / download)
        self.peak = max(self.peak, self.used())

    def victim(self, needed: Callable[[Kept], bool]) -> Kept | None:
        """The image to remove first for room: not needed, needed least recently."""
        free = [kept for kept in self.kept.values() if not needed(kept)]
        return min(free, key=lambda kept: kept.last_needed) if free else None

    def over(self) -> bool:
        return self.limit is not None and self.used() > self.limit
