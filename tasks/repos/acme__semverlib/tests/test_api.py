import semverlib
from semverlib import Version


def test_valid():
    assert semverlib.valid("v1.2.3") == "1.2.3"
    assert semverlib.valid("1.2") is None
    assert semverlib.valid(None) is None


def test_valid_range():
    assert semverlib.valid_range("~2.1") == ">=2.1.0 <2.2.0-0"
    assert semverlib.valid_range(">>2.1") is None


def test_comparison_helpers():
    assert semverlib.gt("1.2.4", "1.2.3")
    assert semverlib.gte("1.2.3", "1.2.3")
    assert semverlib.lt("1.0.0-rc.1", "1.0.0")
    assert semverlib.lte("0.9.0", "1.0.0")
    assert semverlib.eq("1.0.0+a", "1.0.0+b")
    assert semverlib.compare("2.0.0", "10.0.0") == -1


def test_sort_versions():
    result = semverlib.sort_versions(["1.10.0", "1.2.0", "1.2.0-rc.1", "0.9.1"])
    assert [str(v) for v in result] == ["0.9.1", "1.2.0-rc.1", "1.2.0", "1.10.0"]
    result = semverlib.sort_versions(["1.0.0", "3.0.0", "2.0.0"], reverse=True)
    assert [str(v) for v in result] == ["3.0.0", "2.0.0", "1.0.0"]


def test_satisfies():
    assert semverlib.satisfies("1.4.2", "^1.2.0")
    assert not semverlib.satisfies("2.0.0", "^1.2.0")
    assert not semverlib.satisfies("garbage", "^1.2.0")
    assert semverlib.satisfies("1.3.0-rc.1", "^1.2.0", include_prerelease=True)


def test_satisfies_is_stable_across_calls():
    for _ in range(3):
        assert semverlib.satisfies("3.1.4", ">=3.0.0 <4.0.0")
        assert not semverlib.satisfies("4.0.0", ">=3.0.0 <4.0.0")


def test_max_and_min_satisfying():
    versions = ["1.2.0", "1.9.3", "1.10.1", "2.0.0", "1.11.0-beta.1"]
    assert semverlib.max_satisfying(versions, "^1.2.0") == Version(1, 10, 1)
    assert semverlib.min_satisfying(versions, "^1.2.0") == Version(1, 2, 0)
    assert semverlib.max_satisfying(versions, "^1.2.0", include_prerelease=True) == "1.11.0-beta.1"
    assert semverlib.max_satisfying(versions, "^3.0.0") is None


def test_filter_satisfying_skips_invalid():
    result = semverlib.filter_satisfying(["1.0.0", "nope", "1.5.0", "2.1.0"], "1.x")
    assert [str(v) for v in result] == ["1.0.0", "1.5.0"]


def test_intersects():
    assert semverlib.intersects(">=1.4.0 <1.8.0", ">=1.7.0 <1.9.0")
    assert not semverlib.intersects(">=5.0.0 <6.0.0", ">=6.0.0 <7.0.0")
    assert semverlib.intersects("=7.1.0", "7.x")


def test_coerce():
    assert semverlib.coerce("v2") == Version(2, 0, 0)
    assert semverlib.coerce("release-1.4-beta") == Version(1, 4, 0)
    assert semverlib.coerce("version 3.2.1.9") == Version(3, 2, 1)
    assert semverlib.coerce("no digits") is None
