"""Render a minimark document tree as HTML."""

from __future__ import annotations

from .escape import escape_attr, escape_html, is_safe_url, normalize_url
from .nodes import (
    BlockQuote,
    Code,
    CodeBlock,
    Document,
    Emph,
    Heading,
    Image,
    LineBreak,
    Link,
    ListBlock,
    ListItem,
    Paragraph,
    SoftBreak,
    Strong,
    Text,
    ThematicBreak,
    plain_text,
)
from .util import SlugRegistry


class HtmlRenderer:
    """Turn a :class:`~minimark.nodes.Document` into an HTML fragment.

    Options:

    ``heading_ids``
        add an ``id`` attribute (a unique slug of the text) to every heading.
    ``safe_links``
        drop ``javascript:``/``vbscript:``/``data:`` URLs from links and images.
    ``hard_wrap``
        render every line break inside a paragraph as ``<br />``.
    """

    def __init__(self, heading_ids: bool = False, safe_links: bool = True, hard_wrap: bool = False):
        self.heading_ids = heading_ids
        self.safe_links = safe_links
        self.hard_wrap = hard_wrap
        self._slugs = SlugRegistry()

    def render(self, doc: Document) -> str:
        self._slugs = SlugRegistry()
        return "".join(self.render_block(child) for child in doc.children)

    # -- blocks -------------------------------------------------------------

    def render_block(self, node) -> str:
        if isinstance(node, Paragraph):
            return "<p>%s</p>\n" % self.render_inlines(node.children)
        if isinstance(node, Heading):
            attrs = ""
            if self.heading_ids:
                slug = self._slugs.unique(plain_text(node.children))
                attrs = ' id="%s"' % escape_attr(slug)
            return "<h%d%s>%s</h%d>\n" % (node.level, attrs, self.render_inlines(node.children), node.level)
        if isinstance(node, CodeBlock):
            cls = ' class="language-%s"' % escape_attr(node.lang) if node.lang else ""
            return "<pre><code%s>%s</code></pre>\n" % (cls, node.text)
        if isinstance(node, BlockQuote):
            inner = "".join(self.render_block(child) for child in node.children)
            return "<blockquote>\n%s</blockquote>\n" % inner
        if isinstance(node, ListBlock):
            return self._render_list(node)
        if isinstance(node, ThematicBreak):
            return "<hr />\n"
        raise TypeError("cannot render block node %r" % type(node).__name__)

    def _render_list(self, node: ListBlock) -> str:
        if node.ordered:
            tag = "ol"
            open_tag = "<ol>" if node.start == 1 else '<ol start="%d">' % node.start
        else:
            tag = "ul"
            open_tag = "<ul>"
        items = "".join(self._render_item(item, node.tight) for item in node.children)
        return "%s\n%s</%s>\n" % (open_tag, items, tag)

    def _render_item(self, item: ListItem, tight: bool) -> str:
        out = "<li>"
        for child in item.children:
            if tight and isinstance(child, Paragraph):
                out += self.render_inlines(child.children)
            else:
                if not out.endswith("\n"):
                    out += "\n"
                out += self.render_block(child)
        return out + "</li>\n"

    # -- inlines ------------------------------------------------------------

    def render_inlines(self, nodes) -> str:
        return "".join(self.render_inline(node) for node in nodes)

    def _url(self, url: str) -> str:
        if self.safe_links and not is_safe_url(url):
            return ""
        return escape_attr(normalize_url(url))

    def render_inline(self, node) -> str:
        if isinstance(node, Text):
            return escape_html(node.text)
        if isinstance(node, SoftBreak):
            return "<br />\n" if self.hard_wrap else "\n"
        if isinstance(node, LineBreak):
            return "<br />\n"
        if isinstance(node, Code):
            return "<code>%s</code>" % escape_html(node.text)
        if isinstance(node, Emph):
            return "<em>%s</em>" % self.render_inlines(node.children)
        if isinstance(node, Strong):
            return "<strong>%s</strong>" % self.render_inlines(node.children)
        if isinstance(node, Link):
            title = ' title="%s"' % escape_attr(node.title) if node.title else ""
            return '<a href="%s"%s>%s</a>' % (self._url(node.url), title, self.render_inlines(node.children))
        if isinstance(node, Image):
            title = ' title="%s"' % escape_attr(node.title) if node.title else ""
            alt = escape_attr(plain_text(node.children))
            return '<img src="%s" alt="%s"%s />' % (self._url(node.url), alt, title)
        raise TypeError("cannot render inline node %r" % type(node).__name__)
