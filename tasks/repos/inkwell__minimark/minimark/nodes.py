"""Document tree produced by the block and inline parsers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


@dataclass
class Node:
    """Base class for every node of the tree."""

    def walk(self):
        """Yield this node and all of its descendants, depth first."""
        yield self
        for child in getattr(self, "children", ()):
            yield from child.walk()


# --- block nodes -----------------------------------------------------------


@dataclass
class Document(Node):
    children: List[Node] = field(default_factory=list)
    #: normalized label -> (url, title)
    references: Dict[str, Tuple[str, Optional[str]]] = field(default_factory=dict)


@dataclass
class Heading(Node):
    level: int
    children: List[Node] = field(default_factory=list)
    raw: str = ""


@dataclass
class Paragraph(Node):
    children: List[Node] = field(default_factory=list)
    raw: str = ""


@dataclass
class CodeBlock(Node):
    text: str
    lang: Optional[str] = None


@dataclass
class BlockQuote(Node):
    children: List[Node] = field(default_factory=list)


@dataclass
class ListBlock(Node):
    ordered: bool
    start: int = 1
    tight: bool = True
    children: List["ListItem"] = field(default_factory=list)


@dataclass
class ListItem(Node):
    children: List[Node] = field(default_factory=list)


@dataclass
class ThematicBreak(Node):
    pass


# --- inline nodes ----------------------------------------------------------


@dataclass
class Text(Node):
    text: str


@dataclass
class SoftBreak(Node):
    pass


@dataclass
class LineBreak(Node):
    pass


@dataclass
class Code(Node):
    text: str


@dataclass
class Emph(Node):
    children: List[Node] = field(default_factory=list)


@dataclass
class Strong(Node):
    children: List[Node] = field(default_factory=list)


@dataclass
class Link(Node):
    url: str
    title: Optional[str] = None
    children: List[Node] = field(default_factory=list)


@dataclass
class Image(Node):
    url: str
    title: Optional[str] = None
    children: List[Node] = field(default_factory=list)


def plain_text(nodes) -> str:
    """Concatenate the text content of inline *nodes* (used for alt text and ids)."""
    parts = []
    for node in nodes:
        if isinstance(node, (Text, Code)):
            parts.append(node.text)
        elif isinstance(node, (SoftBreak, LineBreak)):
            parts.append(" ")
        else:
            parts.append(plain_text(getattr(node, "children", ())))
    return "".join(parts)
