"""Block-level parser: turns Markdown source into a tree of block nodes.

Inline content (the text of paragraphs and headings) is kept raw here and is
parsed afterwards by :mod:`minimark.inline`, once every link reference
definition of the document is known.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .escape import unescape_backslashes
from .nodes import (
    BlockQuote,
    CodeBlock,
    Document,
    Heading,
    ListBlock,
    ListItem,
    Paragraph,
    ThematicBreak,
)
from .util import expand_tabs, is_blank, leading_spaces

ATX_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
HRULE_RE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*(.*?)[ \t]*$")
QUOTE_RE = re.compile(r"^ {0,3}> ?")
LIST_RE = re.compile(r"^( {0,3})([-+*]|\d{1,9}[.)])( +|$)")
REFDEF_RE = re.compile(
    r"^ {0,3}\[((?:[^\]\\]|\\.)+)\]:[ \t]*<?([^\s<>]+)>?"
    r"(?:[ \t]+(?:\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'|\(((?:[^()\\]|\\.)*)\)))?[ \t]*$"
)


class BlockParser:
    """Line-oriented block parser (a pragmatic subset of CommonMark)."""

    def parse(self, text: str) -> Document:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = [expand_tabs(line) for line in text.split("\n")]
        doc = Document()
        doc.children, _ = self._parse_lines(lines, doc.references)
        return doc

    # -- helpers ----------------------------------------------------------

    def _starts_block(self, line: str, interrupting: bool = True) -> bool:
        """Does *line* open a new block (and so end a paragraph)?"""
        if ATX_RE.match(line) or HRULE_RE.match(line) or QUOTE_RE.match(line):
            return True
        m = FENCE_RE.match(line)
        if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            return True
        m = LIST_RE.match(line)
        if m:
            if not interrupting:
                return True
            marker = m.group(2)
            if not m.group(3):
                return False  # an empty item cannot interrupt a paragraph
            return marker in "-+*" or marker[:-1] == "1"
        return False

    def _parse_lines(self, lines: List[str], refs) -> Tuple[list, bool]:
        """Parse *lines* into blocks.

        Returns the blocks and whether a blank line separated two of them
        (used to decide whether a list item is loose).
        """
        blocks: list = []
        para: List[str] = []
        blank_between = False
        saw_blank = False
        i = 0
        n = len(lines)

        def flush() -> None:
            if para:
                raw = "\n".join(para).rstrip()
                blocks.append(Paragraph(raw=raw))
                para.clear()

        while i < n:
            line = lines[i]

            if is_blank(line):
                flush()
                saw_blank = True
                i += 1
                continue

            if saw_blank and blocks:
                blank_between = True
            saw_blank = False

            # setext heading underline
            if para and SETEXT_RE.match(line):
                level = 1 if line.strip()[0] == "=" else 2
                raw = "\n".join(para).rstrip()
                para.clear()
                blocks.append(Heading(level=level, raw=raw))
                i += 1
                continue

            # indented code (cannot interrupt a paragraph)
            if not para and leading_spaces(line) >= 4:
                block, i = self._indented_code(lines, i)
                blocks.append(block)
                continue

            m = FENCE_RE.match(line)
            if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                flush()
                block, i = self._fenced_code(lines, i, m)
                blocks.append(block)
                continue

            m = ATX_RE.match(line)
            if m:
                flush()
                blocks.append(self._atx_heading(m))
                i += 1
                continue

            if HRULE_RE.match(line):
                flush()
                blocks.append(ThematicBreak())
                i += 1
                continue

            if QUOTE_RE.match(line):
                flush()
                block, i = self._blockquote(lines, i, refs)
                blocks.append(block)
                continue

            m = LIST_RE.match(line)
            if m and (not para or self._starts_block(line)):
                flush()
                block, i = self._list(lines, i, refs)
                blocks.append(block)
                continue

            if not para:
                m = REFDEF_RE.match(line)
                if m:
                    self._add_reference(m, refs)
                    i += 1
                    continue

            para.append(line.lstrip())
            i += 1

        flush()
        return blocks, blank_between

    # -- individual block kinds -------------------------------------------

    def _atx_heading(self, m) -> Heading:
        level = len(m.group(1))
        text = m.group(2) or ""
        # drop the optional closing sequence: "## Title ##"
        text = text.rstrip("#").rstrip()
        return Heading(level=level, raw=text)

    def _indented_code(self, lines: List[str], i: int):
        body = []
        n = len(lines)
        while i < n and (is_blank(lines[i]) or leading_spaces(lines[i]) >= 4):
            body.append(lines[i][4:])
            i += 1
        while body and is_blank(body[-1]):
            body.pop()
            i -= 1
        return CodeBlock(text="\n".join(body) + "\n"), i

    def _fenced_code(self, lines: List[str], i: int, m):
        indent = len(m.group(1))
        fence = m.group(2)
        info = unescape_backslashes(m.group(3))
        lang: Optional[str] = info.split()[0] if info else None
        closing = re.compile(r"^ {0,3}(%s{%d,})[ \t]*$" % (re.escape(fence[0]), len(fence)))
        body = []
        i += 1
        n = len(lines)
        while i < n:
            line = lines[i]
            if closing.match(line):
                i += 1
                break
            strip = min(indent, leading_spaces(line))
            body.append(line[strip:])
            i += 1
        text = "\n".join(body) + "\n" if body else ""
        return CodeBlock(text=text, lang=lang), i

    def _blockquote(self, lines: List[str], i: int, refs):
        inner: List[str] = []
        n = len(lines)
        while i < n:
            line = lines[i]
            m = QUOTE_RE.match(line)
            if m:
                inner.append(line[m.end():])
            elif inner and not is_blank(inner[-1]) and not is_blank(line) and not self._starts_block(line):
                inner.append(line)  # lazy continuation of a paragraph
            else:
                break
            i += 1
        children, _ = self._parse_lines(inner, refs)
        return BlockQuote(children=children), i

    def _list(self, lines: List[str], i: int, refs):
        first = LIST_RE.match(lines[i])
        kind = self._marker_kind(first.group(2))
        ordered = kind in ".)"
        start = int(first.group(2)[:-1]) if ordered else 1
        block = ListBlock(ordered=ordered, start=start)
        n = len(lines)
        end = i

        while i < n:
            m = LIST_RE.match(lines[i])
            if not m or self._marker_kind(m.group(2)) != kind or HRULE_RE.match(lines[i]):
                break
            item_lines, i, trailing_blanks = self._list_item(lines, i, m)
            children, loose_inside = self._parse_lines(item_lines, refs)
            block.children.append(ListItem(children=children))
            if loose_inside:
                block.tight = False
            end = i - trailing_blanks
            nxt = LIST_RE.match(lines[i]) if i < n else None
            if nxt and self._marker_kind(nxt.group(2)) == kind and not HRULE_RE.match(lines[i]):
                if trailing_blanks:
                    block.tight = False
                continue
            break
        return block, end

    def _list_item(self, lines: List[str], i: int, m):
        """Collect the lines of one list item; returns (lines, next index, trailing blanks)."""
        marker_end = len(m.group(1)) + len(m.group(2))
        spaces = len(m.group(3))
        if spaces == 0 or spaces > 4:
            offset = marker_end + 1
            first = lines[i][offset:] if spaces > 4 else ""
        else:
            offset = marker_end + spaces
            first = lines[i][offset:]
        item = [first]
        i += 1
        n = len(lines)
        while i < n:
            line = lines[i]
            if is_blank(line):
                item.append("")
            elif leading_spaces(line) >= offset:
                item.append(line[offset:])
            elif item[-1] and not self._starts_block(line, interrupting=False):
                item.append(line.lstrip())  # lazy continuation
            else:
                break
            i += 1
        trailing = 0
        while len(item) > 1 and item[-1] == "":
            item.pop()
            trailing += 1
        return item, i, trailing

    @staticmethod
    def _marker_kind(marker: str) -> str:
        return marker if marker in "-+*" else marker[-1]

    def _add_reference(self, m, refs) -> None:
        label = m.group(1)
        key = label.lower()
        if not key.strip() or key in refs:
            return  # the first definition of a label wins
        url = unescape_backslashes(m.group(2))
        title = next((g for g in m.group(3, 4, 5) if g is not None), None)
        if title is not None:
            title = unescape_backslashes(title)
        refs[key] = (url, title)


def parse(text: str) -> Document:
    """Parse *text* into a :class:`~minimark.nodes.Document` with inline content."""
    from .inline import parse_inlines

    doc = BlockParser().parse(text)
    targets = [node for node in doc.walk() if isinstance(node, (Paragraph, Heading))]
    for node in targets:
        node.children = parse_inlines(node.raw, doc.references)
    return doc
