"""minimark: a small, dependency-free Markdown to HTML renderer."""

from .blocks import BlockParser, parse
from .html import HtmlRenderer
from .inline import parse_inlines

__all__ = ["BlockParser", "HtmlRenderer", "parse", "parse_inlines", "render"]
__version__ = "0.4.2"


def render(text: str, **options) -> str:
    """Render Markdown *text* to an HTML fragment.

    Keyword options are passed to :class:`~minimark.html.HtmlRenderer`.
    """
    return HtmlRenderer(**options).render(parse(text))
