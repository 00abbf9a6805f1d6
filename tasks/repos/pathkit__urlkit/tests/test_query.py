import pytest

from urlkit import QueryError, parse_qs, parse_qsl, update_query, urlencode


def test_parse_qsl_basic():
    assert parse_qsl("a=1&b=2") == [("a", "1"), ("b", "2")]


def test_parse_qsl_leading_question_mark():
    assert parse_qsl("?q=x") == [("q", "x")]


def test_parse_qsl_plus_and_escapes():
    assert parse_qsl("q=two+words&c=caf%C3%A9") == [("q", "two words"), ("c", "café")]
    assert parse_qsl("q=1+1", plus_as_space=False) == [("q", "1+1")]


def test_parse_qsl_blank_values():
    assert parse_qsl("a=&b=1&c") == [("b", "1")]
    assert parse_qsl("a=&b=1&c", keep_blank_values=True) == [("a", ""), ("b", "1"), ("c", "")]


def test_parse_qsl_separator():
    assert parse_qsl("a=1;b=2", separator=";") == [("a", "1"), ("b", "2")]
    with pytest.raises(QueryError):
        parse_qsl("a=1", separator="")


def test_parse_qsl_max_fields():
    with pytest.raises(QueryError):
        parse_qsl("a=1&b=2&c=3", max_fields=2)


def test_parse_qs_groups_values():
    assert parse_qs("tag=a&x=1&tag=b") == {"tag": ["a", "b"], "x": ["1"]}


def test_urlencode_mapping():
    assert urlencode({"q": "a b", "page": 2}) == "q=a+b&page=2"


def test_urlencode_pairs_and_special_values():
    assert urlencode([("a", True), ("b", b"x/y"), ("a", "&")]) == "a=true&b=x%2Fy&a=%26"


def test_urlencode_roundtrip():
    pairs = [("name", "Zoë & co"), ("path", "/a/b"), ("n", "1")]
    assert parse_qsl(urlencode(pairs)) == pairs


def test_update_query():
    assert update_query("a=1&b=2&a=3", {"a": "x", "c": "y"}) == "a=x&b=2&c=y"
    assert update_query("a=1&b=2", {"a": None}) == "b=2"
