import pytest

from semverlib import InvalidRange, Range, Version


def desugar(text):
    return str(Range(text))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.2.3", "1.2.3"),
        (">=1.2.3 <2.0.0", ">=1.2.3 <2.0.0"),
        (">= 1.2.3", ">=1.2.3"),
        ("*", "*"),
        ("", "*"),
        ("1.x", ">=1.0.0 <2.0.0-0"),
        ("1.2.*", ">=1.2.0 <1.3.0-0"),
        ("1", ">=1.0.0 <2.0.0-0"),
        (">1.2", ">=1.3.0"),
        (">=1.2", ">=1.2.0"),
        ("<1.2", "<1.2.0-0"),
        ("<=1.2", "<1.3.0-0"),
        ("1.2.3 || 2.x", "1.2.3 || >=2.0.0 <3.0.0-0"),
    ],
)
def test_desugar_primitives_and_xranges(text, expected):
    assert desugar(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("~1.2.3", ">=1.2.3 <1.3.0-0"),
        ("~1.2", ">=1.2.0 <1.3.0-0"),
        ("~1", ">=1.0.0 <2.0.0-0"),
        ("~>1.2.3", ">=1.2.3 <1.3.0-0"),
        ("~0.2.3", ">=0.2.3 <0.3.0-0"),
        ("~1.2.3-beta.2", ">=1.2.3-beta.2 <1.3.0-0"),
    ],
)
def test_desugar_tilde(text, expected):
    assert desugar(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("^1.2.3", ">=1.2.3 <2.0.0-0"),
        ("^1.2", ">=1.2.0 <2.0.0-0"),
        ("^1.x", ">=1.0.0 <2.0.0-0"),
        ("^1", ">=1.0.0 <2.0.0-0"),
        ("^0.2.3", ">=0.2.3 <0.3.0-0"),
        ("^1.2.3-beta.2", ">=1.2.3-beta.2 <2.0.0-0"),
        ("^*", "*"),
    ],
)
def test_desugar_caret(text, expected):
    assert desugar(text) == expected


def test_caret_basic():
    r = Range("^1.2.3")
    assert r.test("1.2.3")
    assert r.test("1.9.0")
    assert not r.test("2.0.0")
    assert not r.test("1.2.2")


def test_caret_zero_major_minor():
    r = Range("^0.2.3")
    assert r.test("0.2.9")
    assert not r.test("0.3.0")
    assert not r.test("1.0.0")


def test_tilde_basic():
    r = Range("~1.2.3")
    assert r.test("1.2.9")
    assert not r.test("1.3.0")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.2.3 - 2.3.4", ">=1.2.3 <=2.3.4"),
        ("1.2 - 2.3.4", ">=1.2.0 <=2.3.4"),
        ("1.2.3 - 2.3", ">=1.2.3 <2.4.0-0"),
        ("1.2.3 - 2", ">=1.2.3 <3.0.0-0"),
        ("* - 2.0.0", "<=2.0.0"),
    ],
)
def test_desugar_hyphen(text, expected):
    assert desugar(text) == expected


def test_union_matches_any_set():
    r = Range("<1.0.0 || >=3.0.0")
    assert r.test("0.5.0")
    assert r.test("3.1.0")
    assert not r.test("2.0.0")


def test_prerelease_excluded_by_default():
    r = Range(">=1.0.0")
    assert not r.test("2.0.0-beta.1")
    assert r.test("2.0.0-beta.1", include_prerelease=True)


def test_prerelease_allowed_for_same_release():
    r = Range(">=1.2.4-alpha.1 <1.3.0")
    assert r.test("1.2.4-beta")
    assert not r.test("1.2.5-beta")


def test_star_excludes_prereleases():
    assert Range("*").test("1.0.0")
    assert not Range("*").test("1.0.0-rc.1")


def test_contains_operator():
    assert "1.5.0" in Range("^1.0.0")
    assert "not-a-version" not in Range("^1.0.0")


@pytest.mark.parametrize("text", ["1.2.3.4", ">=a.b", "^1.2.3-", "1.2.x-beta", ">=1.2.3 junk"])
def test_invalid_ranges(text):
    with pytest.raises(InvalidRange):
        Range(text)


def test_range_equality_uses_desugared_form():
    assert Range("~1.2") == Range("1.2.x")
    assert Range("^1.2.3") != Range("~1.2.3")


def test_range_intersects_object():
    assert Range("^1.0.0").intersects(Range(">=1.5.0 <1.6.0"))
    assert not Range("^1.0.0").intersects("^2.0.0")
    assert Range("1.2.3 || 2.x").intersects(Range(">2.5.0"))
    assert not Range("<1.0.0").intersects(Range(">=1.0.0"))
    assert Range("<=1.0.0").intersects(Range(">=1.0.0"))


def test_range_requires_string():
    with pytest.raises(TypeError):
        Range(123)
    assert Range(Range("^1.0.0")) == Range("^1.0.0")
    assert isinstance(Range("1.0.0").sets[0][0].version, Version)
