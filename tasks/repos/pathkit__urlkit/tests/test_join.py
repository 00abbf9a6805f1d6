import pytest

from urlkit import parse_url, resolve, urljoin

BASE = "http://a/b/c/d;p?q"

# RFC 3986 section 5.4.1 and 5.4.2.
EXAMPLES = [
    ("g:h", "g:h"),
    ("g", "http://a/b/c/g"),
    ("./g", "http://a/b/c/g"),
    ("g/", "http://a/b/c/g/"),
    ("/g", "http://a/g"),
    ("//g", "http://g"),
    ("?y", "http://a/b/c/d;p?y"),
    ("g?y", "http://a/b/c/g?y"),
    ("#s", "http://a/b/c/d;p?q#s"),
    ("g#s", "http://a/b/c/g#s"),
    (";x", "http://a/b/c/;x"),
    ("", "http://a/b/c/d;p?q"),
    (".", "http://a/b/c/"),
    ("./", "http://a/b/c/"),
    ("..", "http://a/b/"),
    ("../g", "http://a/b/g"),
    ("../..", "http://a/"),
    ("../../g", "http://a/g"),
    ("../../../g", "http://a/g"),
    ("/./g", "http://a/g"),
    ("/../g", "http://a/g"),
    ("g.", "http://a/b/c/g."),
    ("..g", "http://a/b/c/..g"),
    ("./../g", "http://a/b/g"),
    ("g/./h", "http://a/b/c/g/h"),
    ("g/../h", "http://a/b/c/h"),
    ("g?y/./x", "http://a/b/c/g?y/./x"),
    ("g#s/../x", "http://a/b/c/g#s/../x"),
]


@pytest.mark.parametrize("ref, expected", EXAMPLES, ids=[f"ex{i}" for i in range(len(EXAMPLES))])
def test_rfc3986_examples(ref, expected):
    assert urljoin(BASE, ref) == expected


def test_strict_and_non_strict_same_scheme():
    assert urljoin(BASE, "http:g") == "http:g"
    assert urljoin(BASE, "http:g", strict=False) == "http://a/b/c/g"


def test_join_accepts_url_objects():
    assert urljoin(parse_url("https://h/x/y"), parse_url("z")) == "https://h/x/z"


def test_resolve_keeps_base_authority():
    target = resolve(parse_url("https://u@h:8443/a/b"), parse_url("c?d"))
    assert (target.userinfo, target.host, target.port, target.path, target.query) == (
        "u",
        "h",
        8443,
        "/a/c",
        "d",
    )


def test_relative_base_is_rejected():
    with pytest.raises(ValueError):
        urljoin("/just/a/path", "x")
