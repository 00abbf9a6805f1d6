"""Command line interface: ``python -m minimark [FILE]``."""

from __future__ import annotations

import argparse
import sys

from . import __version__, render

PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
</head>
<body>
{body}</body>
</html>
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="minimark", description="Render Markdown to HTML.")
    p.add_argument("file", nargs="?", help="Markdown file to read (default: standard input)")
    p.add_argument("-o", "--output", help="write the HTML to this file instead of standard output")
    p.add_argument("--heading-ids", action="store_true", help="add id attributes to headings")
    p.add_argument("--unsafe-links", action="store_true", help="keep javascript: and data: URLs")
    p.add_argument("--hard-wrap", action="store_true", help="turn every newline into <br />")
    p.add_argument("--page", action="store_true", help="wrap the output in a complete HTML page")
    p.add_argument("--title", default="", help="page title (with --page)")
    p.add_argument("--version", action="version", version="minimark " + __version__)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.file:
        with open(args.file, encoding="utf-8") as fh:
            source = fh.read()
    else:
        source = sys.stdin.read()
    html = render(
        source,
        heading_ids=args.heading_ids,
        safe_links=not args.unsafe_links,
        hard_wrap=args.hard_wrap,
    )
    if args.page:
        from .escape import escape_html

        html = PAGE.format(title=escape_html(args.title), body=html)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(html)
    else:
        sys.stdout.write(html)
    return 0
