from urlkit import normalize_path, normalize_url, urls_equivalent


def test_lowercases_scheme_and_host():
    assert normalize_url("HTTP://Example.COM/Path") == "http://example.com/Path"


def test_removes_default_port_only():
    assert normalize_url("http://h:80/") == "http://h/"
    assert normalize_url("https://h:80/") == "https://h:80/"


def test_empty_path_becomes_slash():
    assert normalize_url("http://example.com") == "http://example.com/"


def test_dot_segments():
    assert normalize_url("http://h/a/./b/../c") == "http://h/a/c"


def test_percent_encoding_normalised():
    assert normalize_url("http://h/%7euser/caf%c3%a9") == "http://h/~user/caf%C3%A9"
    assert normalize_url("http://h/a b") == "http://h/a%20b"


def test_query_normalised_and_sorted():
    assert normalize_url("http://h/?b=2&a=%7e1") == "http://h/?b=2&a=~1"
    assert normalize_url("http://h/?b=2&a=1", sort_query=True) == "http://h/?a=1&b=2"


def test_fragment():
    assert normalize_url("http://h/#sec%7e") == "http://h/#sec~"
    assert normalize_url("http://h/#x", drop_fragment=True) == "http://h/"


def test_relative_path_keeps_dots():
    assert normalize_path("../a/%7Eb", remove_dots=False) == "../a/~b"


def test_urls_equivalent():
    assert urls_equivalent("HTTP://h:80/a/../b#x", "http://h/b")
    assert not urls_equivalent("http://h/a", "http://h/b")
