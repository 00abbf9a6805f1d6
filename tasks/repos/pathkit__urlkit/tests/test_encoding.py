import pytest

from urlkit import quote, quote_plus, requote, unquote, unquote_plus, unquote_unreserved
from urlkit.encoding import is_percent_encoded


def test_quote_keeps_unreserved_and_slash():
    assert quote("abc-._~/XYZ09") == "abc-._~/XYZ09"


def test_quote_encodes_space_and_reserved():
    assert quote("a b?c") == "a%20b%3Fc"
    assert quote("a/b", safe="") == "a%2Fb"


def test_quote_utf8():
    assert quote("café") == "caf%C3%A9"


def test_quote_plus():
    assert quote_plus("a b&c/d") == "a+b%26c%2Fd"
    assert quote_plus("1+1") == "1%2B1"


@pytest.mark.parametrize(
    "encoded, decoded",
    [
        ("caf%C3%A9", "café"),
        ("caf%c3%a9", "café"),
        ("100%", "100%"),
        ("%zz", "%zz"),
        ("a%20b", "a b"),
    ],
)
def test_unquote(encoded, decoded):
    assert unquote(encoded) == decoded


def test_unquote_plus():
    assert unquote_plus("a+b%2Bc") == "a b+c"


def test_unquote_unreserved_decodes_only_unreserved():
    assert unquote_unreserved("%7euser%41") == "~userA"
    assert unquote_unreserved("a%3fb%c3%a9") == "a%3Fb%C3%A9"


def test_requote_keeps_existing_escapes():
    assert requote("a b%20c") == "a%20b%20c"
    assert requote("100%") == "100%25"


def test_is_percent_encoded():
    assert is_percent_encoded("a%20b")
    assert not is_percent_encoded("100%")
