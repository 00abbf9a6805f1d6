"""What getting their images cost the tasks of the reported rows, per node: the time tasks
waited for an image before their sandbox started, the part of the pulls spent waiting out a
registry's rate limit, and the bytes pulled. Every row counts, errored attempts included:
like spend, what infrastructure cost was paid either way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.reporting.figures import NodeImages as NodeImageFigures
from harness.reporting.tables import count
from harness.sandbox.settings import size_text

FIELDS = frozenset({"node", "image_wait_s", "registry_wait_s", "image_bytes_pulled"})
HEADERS = ["node", "rows", "waited for image", "image wait", "rate-limit wait", "pulled"]
NODE_ID_SHOWN = 12  # Ray node ids are 56 hex digits; their head tells them apart


@dataclass
class NodeImages:
    rows: int = 0
    waited: int = 0  # rows whose task waited for its image at all
    wait_s: float = 0.0
    registry_wait_s: float = 0.0
    pulled: int = 0


@dataclass
class ImageTotals:
    nodes: dict[str, NodeImages] = field(default_factory=dict)

    def add(self, row: Any) -> None:
        """A row with FIELDS (a ResultRow or a row_view)."""
        node = self.nodes.get(row.node)
        if node is None:
            node = self.nodes[row.node] = NodeImages()
        node.rows += 1
        node.waited += row.image_wait_s > 0
        node.wait_s += row.image_wait_s
        node.registry_wait_s += row.registry_wait_s
        node.pulled += row.image_bytes_pulled

    def shown(self) -> bool:
        """Only rows that pulled or waited make the table worth a place in the report."""
        return any(n.pulled or n.wait_s or n.registry_wait_s for n in self.nodes.values())

    def figures(self) -> list[NodeImageFigures]:
        """Per node, when any row pulled or waited; else none."""
        if not self.shown():
            return []
        return [
            NodeImageFigures(
                node=node,
                rows=totals.rows,
                waited=totals.waited,
                image_wait_s=totals.wait_s,
                registry_wait_s=totals.registry_wait_s,
                bytes_pulled=totals.pulled,
            )
            for node, totals in sorted(self.nodes.items())
        ]


def images_section(nodes: list[NodeImageFigures]) -> tuple[str, list[str], list[list[str]]]:
    """The per-node image table of the text and HTML views."""
    title = (
        "Images, per node: tasks that waited for their image and for how long in all, "
        "the part of pulls spent waiting out a registry's rate limit (HTTP 429), and the "
        "bytes pulled"
    )
    rows = [
        [
            n.node[:NODE_ID_SHOWN] if n.node else "local",
            count(n.rows),
            count(n.waited),
            f"{n.image_wait_s:.1f} s",
            f"{n.registry_wait_s:.1f} s",
            size_text(n.bytes_pulled),
        ]
        for n in nodes
    ]
    return title, HEADERS, rows
