import pytest

from tablefmt.width import char_width, display_width, pad, split_lines, truncate


@pytest.mark.parametrize(
    "text, width",
    [("", 0), ("abc", 3), ("日本語", 6), ("ｶﾀｶﾅ", 4), ("cafe\u0301", 4), ("a\u200db", 2), ("Ｆｕｌｌ", 8)],
    ids=["empty", "ascii", "cjk", "halfwidth-katakana", "combining", "zero-width-joiner", "fullwidth-latin"],
)
def test_display_width(text, width):
    assert display_width(text) == width


def test_control_characters_have_no_width():
    assert char_width("\x1b") == 0
    assert display_width("a\tb") == 2


def test_pad_left_ascii_and_wide():
    assert pad("ab", 5) == "ab   "
    assert pad("日本", 6) == "日本  "


def test_pad_right_and_center_ascii():
    assert pad("ab", 5, "right") == "   ab"
    assert pad("ab", 6, "center") == "  ab  "


def test_pad_never_truncates():
    assert pad("abcdef", 3) == "abcdef"


def test_truncate_ascii():
    assert truncate("hello world", 8) == "hello w\u2026"
    assert truncate("short", 8) == "short"
    assert truncate("abc", 1) == "\u2026"


def test_split_lines():
    assert split_lines("a\nb") == ["a", "b"]
    assert split_lines("") == [""]
