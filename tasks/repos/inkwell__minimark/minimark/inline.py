"""Inline parser: emphasis, code spans, links, images, autolinks and breaks."""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .escape import ESCAPABLE, unescape_backslashes
from .nodes import Code, Emph, Image, LineBreak, Link, SoftBreak, Strong, Text
from .util import normalize_label

AUTOLINK_RE = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>")
EMAIL_RE = re.compile(
    r"<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*)>"
)

LINK_CLOSE = "]"


class InlineParser:
    """Recursive-descent parser for the inline content of one block.

    ``_parse`` is given a *stack* of the closers that are currently open
    (``"]"`` for link text, ``(char, size)`` tuples for emphasis); it stops
    successfully when the innermost closer is found and reports failure when
    the text ends first.
    """

    def __init__(self, text: str, references=None):
        self.text = text
        self.n = len(text)
        self.refs = references if references is not None else {}

    def parse(self) -> list:
        nodes, _ = self._parse(0, ())
        return nodes

    # -- main loop ----------------------------------------------------------

    def _parse(self, pos: int, stack: tuple) -> Tuple[list, Optional[int]]:
        text = self.text
        n = self.n
        out: list = []
        buf: List[str] = []
        closer = stack[-1] if stack else None

        def flush() -> None:
            if buf:
                chunk = "".join(buf)
                buf.clear()
                if out and isinstance(out[-1], Text):
                    out[-1].text += chunk
                else:
                    out.append(Text(chunk))

        while pos < n:
            if closer is not None:
                size = self._closer_size(pos, closer)
                if size:
                    flush()
                    return out, pos + size
                if closer != LINK_CLOSE and text[pos] == LINK_CLOSE and LINK_CLOSE in stack:
                    return out, None  # emphasis may not run past the end of link text

            ch = text[pos]

            if ch == "\\":
                nxt = text[pos + 1] if pos + 1 < n else ""
                if nxt == "\n":
                    flush()
                    out.append(LineBreak())
                    pos = self._skip_spaces(pos + 2)
                elif nxt and nxt in ESCAPABLE:
                    buf.append(nxt)
                    pos += 2
                else:
                    buf.append("\\")
                    pos += 1
                continue

            if ch == "`":
                span = self._code_span(pos)
                if span is None:
                    run = self._run_length(pos)
                    buf.append("`" * run)
                    pos += run
                else:
                    flush()
                    out.append(span[0])
                    pos = span[1]
                continue

            if ch in "*_":
                res = self._emphasis(pos, stack)
                if res is None:
                    run = self._run_length(pos)
                    buf.append(ch * run)
                    pos += run
                else:
                    flush()
                    out.append(res[0])
                    pos = res[1]
                continue

            if ch == "!" and pos + 1 < n and text[pos + 1] == "[":
                res = self._link(pos + 1)
                if res is None:
                    buf.append("!")
                    pos += 1
                else:
                    url, title, children, pos = res
                    flush()
                    out.append(Image(url=url, title=title, children=children))
                continue

            if ch == "[":
                res = self._link(pos)
                if res is None:
                    buf.append("[")
                    pos += 1
                else:
                    url, title, children, pos = res
                    flush()
                    out.append(Link(url=url, title=title, children=children))
                continue

            if ch == "<":
                res = self._autolink(pos)
                if res is None:
                    buf.append("<")
                    pos += 1
                else:
                    flush()
                    out.append(res[0])
                    pos = res[1]
                continue

            if ch == "\n":
                flush()
                spaces = 0
                if out and isinstance(out[-1], Text):
                    stripped = out[-1].text.rstrip(" ")
                    spaces = len(out[-1].text) - len(stripped)
                    if stripped:
                        out[-1].text = stripped
                    else:
                        out.pop()
                out.append(LineBreak() if spaces >= 2 else SoftBreak())
                pos = self._skip_spaces(pos + 1)
                continue

            buf.append(ch)
            pos += 1

        flush()
        if closer is not None:
            return out, None
        return out, pos

    # -- small helpers ------------------------------------------------------

    def _skip_spaces(self, pos: int) -> int:
        while pos < self.n and self.text[pos] == " ":
            pos += 1
        return pos

    def _run_length(self, pos: int) -> int:
        ch = self.text[pos]
        end = pos
        while end < self.n and self.text[end] == ch:
            end += 1
        return end - pos

    def _run_bounds(self, pos: int) -> Tuple[int, int]:
        ch = self.text[pos]
        start = pos
        while start > 0 and self.text[start - 1] == ch:
            start -= 1
        end = pos
        while end < self.n and self.text[end] == ch:
            end += 1
        return start, end

    def _char_before(self, pos: int) -> str:
        return self.text[pos - 1] if pos > 0 else ""

    def _char_at(self, pos: int) -> str:
        return self.text[pos] if pos < self.n else ""

    # -- code spans ---------------------------------------------------------

    def _code_span(self, pos: int):
        run = self._run_length(pos)
        search = pos + run
        while True:
            j = self.text.find("`", search)
            if j == -1:
                return None
            close = self._run_length(j)
            if close == run:
                body = self.text[pos + run : j].replace("\n", " ")
                if len(body) >= 2 and body[0] == " " and body[-1] == " " and body.strip(" "):
                    body = body[1:-1]
                return Code(body), j + close
            search = j + close

    # -- emphasis -----------------------------------------------------------

    def _closer_size(self, pos: int, closer) -> int:
        text = self.text
        if closer == LINK_CLOSE:
            return 1 if text[pos] == LINK_CLOSE else 0
        ch, size = closer
        if text[pos] != ch:
            return 0
        start, end = self._run_bounds(pos)
        before = self._char_before(start)
        if not before or before.isspace():
            return 0  # not right-flanking
        if ch == "_" and self._char_at(end).isalnum():
            return 0  # no intraword emphasis with underscores
        if end - pos < size:
            return 0
        return size

    def _emphasis(self, pos: int, stack: tuple):
        ch = self.text[pos]
        start, end = self._run_bounds(pos)
        after = self._char_at(end)
        if not after or after.isspace():
            return None  # not left-flanking
        if ch == "_" and self._char_before(start).isalnum():
            return None
        run = end - pos
        for size in (2, 1):
            if run < size or (ch, size) in stack:
                continue
            children, stop = self._parse(pos + size, stack + ((ch, size),))
            if stop is not None and children:
                node = Strong(children=children) if size == 2 else Emph(children=children)
                return node, stop
        return None

    # -- links --------------------------------------------------------------

    def _link(self, pos: int):
        """Try to parse a link whose text starts with the ``[`` at *pos*.

        Returns ``(url, title, children, end)`` or None.
        """
        text = self.text
        children, end = self._parse(pos + 1, (LINK_CLOSE,))
        if end is None:
            return None
        label = text[pos + 1 : end - 1]

        if end < self.n and text[end] == "(":
            dest = self._destination(end)
            if dest is not None:
                url, title, after = dest
                return url, title, children, after

        if end < self.n and text[end] == "[":
            close = text.find("]", end + 1)
            if close != -1 and "[" not in text[end + 1 : close]:
                ref = text[end + 1 : close] or label
                target = self.refs.get(normalize_label(ref))
                if target is None:
                    return None
                return target[0], target[1], children, close + 1

        target = self.refs.get(normalize_label(label))
        if target is None:
            return None
        return target[0], target[1], children, end

    def _destination(self, pos: int):
        """Parse ``(url "title")`` starting at the ``(`` at *pos*."""
        text = self.text
        n = self.n
        i = self._skip_ws(pos + 1)
        if i < n and text[i] == "<":
            j = i + 1
            while j < n and text[j] not in "<>\n":
                j += 2 if text[j] == "\\" else 1
            if j >= n or text[j] != ">":
                return None
            raw_url = text[i + 1 : j]
            i = j + 1
        else:
            j = i
            depth = 0
            while j < n:
                c = text[j]
                if c == "\\" and j + 1 < n:
                    j += 2
                    continue
                if c.isspace():
                    break
                if c == "(":
                    depth += 1
                elif c == ")":
                    if depth == 0:
                        break
                    depth -= 1
                j += 1
            if depth:
                return None
            raw_url = text[i:j]
            i = j
        title = None
        k = self._skip_ws(i)
        if k > i and k < n and text[k] in "\"'(":
            closing = ")" if text[k] == "(" else text[k]
            m = k + 1
            while m < n and text[m] != closing:
                m += 2 if text[m] == "\\" else 1
            if m >= n:
                return None
            title = unescape_backslashes(text[k + 1 : m])
            k = self._skip_ws(m + 1)
        if k >= n or text[k] != ")":
            return None
        return unescape_backslashes(raw_url), title, k + 1

    def _skip_ws(self, pos: int) -> int:
        while pos < self.n and self.text[pos] in " \t\n":
            pos += 1
        return pos

    def _autolink(self, pos: int):
        m = AUTOLINK_RE.match(self.text, pos)
        if m:
            url = m.group(1)
            return Link(url=url, children=[Text(url)]), m.end()
        m = EMAIL_RE.match(self.text, pos)
        if m:
            addr = m.group(1)
            return Link(url="mailto:" + addr, children=[Text(addr)]), m.end()
        return None


def parse_inlines(text: str, references=None) -> list:
    """Parse the inline content *text* into a list of inline nodes."""
    return InlineParser(text, references).parse()
