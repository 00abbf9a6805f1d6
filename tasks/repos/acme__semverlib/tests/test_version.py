import pytest

from semverlib import InvalidVersion, Version, parse


def test_parse_simple():
    v = Version.parse("1.2.3")
    assert (v.major, v.minor, v.patch) == (1, 2, 3)
    assert v.prerelease == ()
    assert v.build == ()
    assert str(v) == "1.2.3"


def test_parse_prerelease_and_build():
    v = parse("1.0.0-rc.1+build.5")
    assert v.prerelease == ("rc", "1")
    assert v.build == ("build", "5")
    assert str(v) == "1.0.0-rc.1+build.5"


def test_parse_build_only():
    v = parse("2.1.0+20240101")
    assert v.prerelease == ()
    assert v.build == ("20240101",)


def test_parse_prerelease_with_hyphens():
    v = parse("1.0.0-x-y-z.gamma")
    assert v.prerelease == ("x-y-z", "gamma")


@pytest.mark.parametrize(
    "text",
    ["1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.3-", "1.2.3+", "1.2.3-alpha..1", "1.2.3-01",
     "a.b.c", "1.2.3-beta!", ""],
)
def test_parse_rejects_invalid(text):
    with pytest.raises(InvalidVersion):
        Version.parse(text)


def test_parse_loose_accepts_prefix():
    assert Version.parse(" v1.2.3 ", loose=True) == Version(1, 2, 3)
    assert Version.parse("=1.2.3", loose=True) == Version(1, 2, 3)
    with pytest.raises(InvalidVersion):
        Version.parse("v1.2.3")


def test_is_valid():
    assert Version.is_valid("0.0.0")
    assert not Version.is_valid("0.0")


def test_release_ordering():
    assert Version(1, 2, 3) < Version(1, 2, 4) < Version(1, 3, 0) < Version(2, 0, 0)
    assert Version(1, 10, 0) > Version(1, 9, 0)


def test_prerelease_sorts_before_release():
    assert parse("1.0.0-alpha") < parse("1.0.0")
    assert parse("1.0.0") > parse("1.0.0-rc.1")
    assert parse("1.0.0-rc.1") > parse("0.9.9")


def test_prerelease_identifier_ordering():
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
               "1.0.0-beta.2", "1.0.0-beta.3", "1.0.0-rc.1", "1.0.0"]
    versions = [parse(t) for t in ordered]
    assert versions == sorted(versions)
    for lower, higher in zip(versions, versions[1:]):
        assert lower < higher


def test_numeric_identifiers_sort_before_alphanumeric():
    assert parse("1.0.0-1") < parse("1.0.0-alpha")
    assert parse("1.0.0-alpha.1") < parse("1.0.0-alpha.a")


def test_build_metadata_ignored_in_comparison():
    assert parse("1.0.0+a") == parse("1.0.0+b")
    assert hash(parse("1.0.0+a")) == hash(parse("1.0.0"))
    assert len({parse("1.0.0+a"), parse("1.0.0+b"), parse("1.0.0")}) == 1


def test_compare_with_string():
    assert Version(1, 2, 3) == "1.2.3"
    assert Version(1, 2, 3).compare("1.2.4") == -1


def test_versions_are_immutable():
    v = Version(1, 0, 0)
    with pytest.raises(AttributeError):
        v.major = 2


def test_constructor_validates():
    with pytest.raises(ValueError):
        Version(-1, 0, 0)
    with pytest.raises(ValueError):
        Version(1, "2", 0)


def test_finalize_and_replace():
    v = parse("1.2.3-rc.1+sha.1")
    assert str(v.finalize()) == "1.2.3"
    assert str(v.replace(patch=9)) == "1.2.9-rc.1+sha.1"


@pytest.mark.parametrize(
    "start, part, expected",
    [
        ("1.2.3", "major", "2.0.0"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "patch", "1.2.4"),
        ("1.2.3+build.7", "patch", "1.2.4"),
        ("1.2.3", "premajor", "2.0.0-0"),
        ("1.2.3", "preminor", "1.3.0-0"),
        ("1.2.3", "prepatch", "1.2.4-0"),
        ("1.2.3", "prerelease", "1.2.4-0"),
        ("1.2.4-0", "prerelease", "1.2.4-1"),
        ("1.2.4-beta", "prerelease", "1.2.4-beta.0"),
    ],
)
def test_bump(start, part, expected):
    assert str(parse(start).bump(part)) == expected


def test_bump_with_identifier():
    assert str(parse("1.2.3").bump("preminor", "beta")) == "1.3.0-beta.0"
    assert str(parse("1.3.0-beta.0").bump("prerelease", "beta")) == "1.3.0-beta.1"
    assert str(parse("1.3.0-beta.4").bump("prerelease", "rc")) == "1.3.0-rc.0"


def test_bump_unknown_part():
    with pytest.raises(ValueError):
        Version(1, 0, 0).bump("micro")
