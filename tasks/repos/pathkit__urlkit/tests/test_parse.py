import pytest

from urlkit import URL, URLError, build_url, parse_url, split_authority


def test_parse_full_url():
    url = parse_url("https://user:pw@Example.com:8443/a/b;p?x=1&y=2#top")
    assert url == URL(
        scheme="https",
        userinfo="user:pw",
        host="Example.com",
        port=8443,
        path="/a/b;p",
        query="x=1&y=2",
        fragment="top",
    )


def test_parse_no_authority():
    url = parse_url("mailto:someone@example.com")
    assert url.scheme == "mailto"
    assert url.host is None
    assert url.path == "someone@example.com"


def test_parse_relative_reference():
    url = parse_url("../a?b")
    assert (url.scheme, url.host, url.path, url.query) == ("", None, "../a", "b")


def test_empty_query_and_fragment_are_kept():
    url = parse_url("http://h/p?#")
    assert url.query == "" and url.fragment == ""
    assert str(url) == "http://h/p?#"


def test_ipv6_host_with_port():
    url = parse_url("http://[2001:db8::1]:8080/index.html")
    assert url.host == "2001:db8::1"
    assert url.port == 8080
    assert str(url) == "http://[2001:db8::1]:8080/index.html"


@pytest.mark.parametrize("authority", ["h:http", "h:-1", "h:99999", "h[1]:80"])
def test_bad_authority(authority):
    with pytest.raises(URLError):
        split_authority(authority)


def test_userinfo_with_at_sign():
    assert split_authority("a@b@host:21") == ("a@b", "host", 21)


def test_invalid_scheme():
    with pytest.raises(URLError):
        parse_url("1http://x")


def test_effective_port():
    assert parse_url("https://h/").effective_port == 443
    assert parse_url("https://h:444/").effective_port == 444
    assert parse_url("gopher://h/").effective_port is None


def test_roundtrip():
    for text in ["http://a/b/c/d;p?q", "file:///etc/hosts", "urn:isbn:0451450523", "//h/p", "a/b"]:
        assert str(parse_url(text)) == text


def test_with_query_params():
    url = parse_url("http://h/search?q=old&page=3").with_query_params(q="new words", page=None)
    assert str(url) == "http://h/search?q=new+words"
    assert url.query_params == [("q", "new words")]


def test_build_url():
    assert (
        build_url("https", "example.com", "docs/a b", query={"q": "x y"}, fragment="s 1")
        == "https://example.com/docs/a%20b?q=x+y#s%201"
    )
    assert build_url("http", "h", "/", port=8000) == "http://h:8000/"
