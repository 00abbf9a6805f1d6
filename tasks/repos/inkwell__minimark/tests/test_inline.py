import pytest

from minimark import parse_inlines, render
from minimark.nodes import Code, Emph, Link, SoftBreak, Strong, Text


def p(html):
    return "<p>%s</p>\n" % html


def test_plain_text_is_escaped():
    assert render("1 < 2 & 3 > 2") == p("1 &lt; 2 &amp; 3 &gt; 2")


@pytest.mark.parametrize(
    "src, expected",
    [
        ("*em*", "<em>em</em>"),
        ("_em_", "<em>em</em>"),
        ("**strong**", "<strong>strong</strong>"),
        ("__strong__", "<strong>strong</strong>"),
        ("*a **b** c*", "<em>a <strong>b</strong> c</em>"),
        ("***both***", "<strong><em>both</em></strong>"),
    ],
    ids=["star", "underscore", "double-star", "double-underscore", "nested", "triple"],
)
def test_emphasis(src, expected):
    assert render(src) == p(expected)


def test_emphasis_needs_flanking():
    assert render("a * b * c") == p("a * b * c")
    assert render("snake_case_name") == p("snake_case_name")


def test_intraword_star_emphasis():
    assert render("un*frigging*believable") == p("un<em>frigging</em>believable")


def test_unclosed_emphasis_is_literal():
    assert render("*open") == p("*open")


def test_code_span():
    assert parse_inlines("use `x = 1` here") == [Text("use "), Code("x = 1"), Text(" here")]


def test_code_span_with_backticks_inside():
    assert render("``a ` b``") == p("<code>a ` b</code>")


def test_code_span_escapes_html():
    assert render("`<div>`") == p("<code>&lt;div&gt;</code>")


def test_backslash_escapes():
    assert render(r"\*not em\* \# \[x\]") == p("*not em* # [x]")


def test_inline_link_with_title():
    assert render('[site](http://example.com "Home")') == p(
        '<a href="http://example.com" title="Home">site</a>'
    )


def test_link_with_parentheses_in_url():
    assert render("[wiki](https://en.wikipedia.org/wiki/Foo_(bar))") == p(
        '<a href="https://en.wikipedia.org/wiki/Foo_(bar)">wiki</a>'
    )


def test_link_text_with_emphasis():
    nodes = parse_inlines("[*hi*](/x)")
    assert nodes == [Link(url="/x", children=[Emph([Text("hi")])])]


def test_brackets_without_destination_are_literal():
    assert render("[not a link] and [x]") == p("[not a link] and [x]")


def test_image():
    assert render('![a *cat*](cat.png "Cat")') == p('<img src="cat.png" alt="a cat" title="Cat" />')


def test_autolinks():
    assert render("<https://example.com/a?b=1&c=2>") == p(
        '<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>'
    )
    assert render("<me@example.com>") == p('<a href="mailto:me@example.com">me@example.com</a>')


def test_reference_links():
    src = "[full][id], [collapsed][] and [shortcut].\n\n[id]: /one\n[collapsed]: /two 'T'\n[shortcut]: </three>"
    assert render(src) == p(
        '<a href="/one">full</a>, <a href="/two" title="T">collapsed</a> and <a href="/three">shortcut</a>.'
    )


def test_reference_labels_are_case_insensitive():
    assert render("[Python Docs]\n\n[python docs]: https://docs.python.org") == p(
        '<a href="https://docs.python.org">Python Docs</a>'
    )


def test_first_reference_definition_wins():
    assert render("[a]\n\n[a]: /first\n[a]: /second") == p('<a href="/first">a</a>')


def test_undefined_reference_is_literal():
    assert render("[nope][missing]") == p("[nope][missing]")


def test_soft_and_hard_breaks():
    assert parse_inlines("a\nb") == [Text("a"), SoftBreak(), Text("b")]
    assert render("a  \nb\\\nc") == p("a<br />\nb<br />\nc")


def test_strong_node_structure():
    assert parse_inlines("**x**") == [Strong([Text("x")])]


def test_long_text_with_links_renders_quickly():
    src = " ".join("[link %d](/page/%d) and *some* text" % (i, i) for i in range(300))
    html = render(src)
    assert html.count("<a href=") == 300
