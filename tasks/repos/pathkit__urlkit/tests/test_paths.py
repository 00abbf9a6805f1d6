import pytest

from urlkit import merge_paths, remove_dot_segments
from urlkit.paths import join_segments, split_segments


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/a/b/c/./../../g", "/a/g"),
        ("mid/content=5/../6", "mid/6"),
        ("/a/b/..", "/a/"),
        ("/..", "/"),
        ("../x", "x"),
        ("", ""),
        ("/a//b/./c", "/a//b/c"),
    ],
)
def test_remove_dot_segments(path, expected):
    assert remove_dot_segments(path) == expected


def test_merge_paths():
    assert merge_paths("/a/b/c", "d") == "/a/b/d"
    assert merge_paths("/a/b/", "d") == "/a/b/d"
    assert merge_paths("a", "d") == "d"
    assert merge_paths("", "d", has_authority=True) == "/d"


def test_segments_roundtrip():
    segments = ["docs", "a b", "x/y", "café"]
    path = join_segments(segments)
    assert path == "/docs/a%20b/x%2Fy/caf%C3%A9"
    assert split_segments(path) == segments
