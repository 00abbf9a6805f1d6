import pytest

from semverlib import Comparator, InvalidRange, Version


@pytest.mark.parametrize(
    "text, version, expected",
    [
        (">=1.2.3", "1.2.3", True),
        (">=1.2.3", "1.2.2", False),
        (">1.2.3", "1.2.3", False),
        ("<2.0.0", "1.9.9", True),
        ("<=2.0.0", "2.0.0", True),
        ("=1.0.0", "1.0.0", True),
        ("1.0.0", "1.0.1", False),
        ("<2.0.0-0", "2.0.0-alpha", False),
    ],
)
def test_comparator_test(text, version, expected):
    assert Comparator.parse(text).test(Version.parse(version)) is expected


def test_comparator_parse_spacing_and_prefix():
    c = Comparator.parse(">= v1.2.3")
    assert c.op == ">="
    assert c.version == Version(1, 2, 3)
    assert str(c) == ">=1.2.3"


def test_any_comparator():
    c = Comparator.parse("*")
    assert c.matches_all
    assert c.test(Version(0, 0, 1))
    assert str(c) == "*"


def test_comparator_rejects_garbage():
    with pytest.raises(InvalidRange):
        Comparator.parse(">=1.2")
    with pytest.raises(InvalidRange):
        Comparator.parse("~=1.2.3")
