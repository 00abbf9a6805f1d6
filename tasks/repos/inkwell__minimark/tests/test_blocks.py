import pytest

from minimark import parse, render
from minimark.nodes import CodeBlock, Heading, ListBlock, Paragraph


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5, 6])
def test_atx_heading_levels(level):
    assert render("#" * level + " Title") == "<h%d>Title</h%d>\n" % (level, level)


def test_atx_heading_closing_sequence():
    assert render("## Title ##") == "<h2>Title</h2>\n"
    assert render("### Title ######") == "<h3>Title</h3>\n"


def test_atx_heading_needs_space():
    assert render("#hashtag") == "<p>#hashtag</p>\n"
    assert render("####### seven") == "<p>####### seven</p>\n"


def test_empty_heading():
    assert render("#") == "<h1></h1>\n"


def test_setext_headings():
    assert render("Title\n=====\n\nSub\n---") == "<h1>Title</h1>\n<h2>Sub</h2>\n"


def test_paragraphs_are_separated_by_blank_lines():
    html = render("first line\nsecond line\n\nnew paragraph")
    assert html == "<p>first line\nsecond line</p>\n<p>new paragraph</p>\n"


def test_thematic_breaks():
    assert render("***\n- - -\n___") == "<hr />\n<hr />\n<hr />\n"


def test_heading_interrupts_paragraph():
    assert render("text\n# Head") == "<p>text</p>\n<h1>Head</h1>\n"


def test_fenced_code_block_with_language():
    src = "```python\ndef f(x):\n    return x * 2\n```"
    assert render(src) == (
        '<pre><code class="language-python">def f(x):\n    return x * 2\n</code></pre>\n'
    )


def test_fenced_code_keeps_markdown_literal():
    src = "~~~\n# not a heading\n*not emphasis*\n~~~"
    assert render(src) == "<pre><code># not a heading\n*not emphasis*\n</code></pre>\n"


def test_unclosed_fence_runs_to_end():
    doc = parse("```\nabc\n\ndef")
    assert doc.children == [CodeBlock(text="abc\n\ndef\n", lang=None)]


def test_indented_code_block():
    assert render("    x = 1\n    y = 2\n\ntext") == "<pre><code>x = 1\ny = 2\n</code></pre>\n<p>text</p>\n"


def test_tabs_are_expanded_in_code():
    assert render("\tindented") == "<pre><code>indented\n</code></pre>\n"


def test_blockquote_with_lazy_continuation():
    assert render("> quoted\nlazy line\n\nafter") == (
        "<blockquote>\n<p>quoted\nlazy line</p>\n</blockquote>\n<p>after</p>\n"
    )


def test_nested_blockquote():
    assert render("> outer\n>\n> > inner") == (
        "<blockquote>\n<p>outer</p>\n<blockquote>\n<p>inner</p>\n</blockquote>\n</blockquote>\n"
    )


def test_tight_bullet_list():
    assert render("- one\n- two\n- three") == "<ul>\n<li>one</li>\n<li>two</li>\n<li>three</li>\n</ul>\n"


def test_loose_list_wraps_items_in_paragraphs():
    assert render("* one\n\n* two") == "<ul>\n<li>\n<p>one</p>\n</li>\n<li>\n<p>two</p>\n</li>\n</ul>\n"


def test_nested_list():
    src = "- fruit\n  - apple\n  - pear\n- veg"
    assert render(src) == (
        "<ul>\n<li>fruit\n<ul>\n<li>apple</li>\n<li>pear</li>\n</ul>\n</li>\n<li>veg</li>\n</ul>\n"
    )


def test_ordered_list_start():
    assert render("3. three\n4. four") == '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n'


def test_changing_bullet_starts_new_list():
    doc = parse("- a\n+ b")
    assert [type(b) for b in doc.children] == [ListBlock, ListBlock]


def test_list_item_with_code_block():
    src = "1. step:\n\n   ```\n   run it\n   ```"
    assert render(src) == (
        "<ol>\n<li>\n<p>step:</p>\n<pre><code>run it\n</code></pre>\n</li>\n</ol>\n"
    )


def test_heading_raw_text_kept():
    doc = parse("## Some *words*\n\npara")
    heading, para = doc.children
    assert isinstance(heading, Heading) and heading.raw == "Some *words*"
    assert isinstance(para, Paragraph) and para.raw == "para"
