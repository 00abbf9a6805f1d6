from minimark import HtmlRenderer, parse, render


def test_heading_ids_are_unique():
    html = render("# Intro\n## Intro\n## Usage *Notes*", heading_ids=True)
    assert html == (
        '<h1 id="intro">Intro</h1>\n<h2 id="intro-1">Intro</h2>\n'
        '<h2 id="usage-notes">Usage <em>Notes</em></h2>\n'
    )


def test_heading_ids_reset_between_documents():
    renderer = HtmlRenderer(heading_ids=True)
    doc = parse("# Same")
    assert renderer.render(doc) == renderer.render(doc) == '<h1 id="same">Same</h1>\n'


def test_unsafe_links_are_dropped_by_default():
    assert render("[x](javascript:alert(1))") == '<p><a href="">x</a></p>\n'
    assert render("[x](JavaScript:alert(1))") == '<p><a href="">x</a></p>\n'


def test_unsafe_links_can_be_allowed():
    assert render("[x](javascript:void(0))", safe_links=False) == (
        '<p><a href="javascript:void(0)">x</a></p>\n'
    )


def test_urls_are_normalized_and_escaped():
    assert render('[x](</a b?q="1">)') == '<p><a href="/a%20b?q=%221%22">x</a></p>\n'


def test_title_attribute_is_escaped():
    assert render('[x](/u "say \\"hi\\"")') == '<p><a href="/u" title="say &quot;hi&quot;">x</a></p>\n'


def test_hard_wrap_option():
    assert render("a\nb", hard_wrap=True) == "<p>a<br />\nb</p>\n"


def test_code_block_language_is_escaped():
    assert render('```c"x\nint x;\n```') == '<pre><code class="language-c&quot;x">int x;\n</code></pre>\n'


def test_empty_document():
    assert render("") == ""
    assert render("\n\n  \n") == ""
