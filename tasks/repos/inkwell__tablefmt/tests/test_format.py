import pytest

from tablefmt import STYLES, format_table

ROWS = [["apple", 1.5, 10], ["banana", 12.25, 7], ["kiwi", 0.5, 120]]
HEADERS = ["fruit", "kg", "count"]


def test_simple_is_default():
    assert format_table(ROWS, headers=HEADERS) == "\n".join(
        [
            "fruit      kg  count",
            "------  -----  -----",
            "apple     1.5     10",
            "banana  12.25      7",
            "kiwi      0.5    120",
        ]
    )


def test_plain_without_headers():
    assert format_table([["a", 1], ["bb", 22]], style="plain") == "a    1\nbb  22"


def test_grid_style():
    assert format_table(ROWS[:2], headers=HEADERS, style="grid") == "\n".join(
        [
            "+--------+-------+-------+",
            "| fruit  |    kg | count |",
            "+========+=======+=======+",
            "| apple  |   1.5 |    10 |",
            "+--------+-------+-------+",
            "| banana | 12.25 |     7 |",
            "+--------+-------+-------+",
        ]
    )


def test_fancy_style():
    assert format_table([["x", 1]], headers=["k", "v"], style="fancy") == "\n".join(
        ["┌───┬───┐", "│ k │ v │", "╞═══╪═══╡", "│ x │ 1 │", "└───┴───┘"]
    )


def test_markdown_style_left_and_right():
    assert format_table(ROWS[:2], headers=HEADERS, style="markdown") == "\n".join(
        [
            "| fruit  |    kg | count |",
            "|:-------|------:|------:|",
            "| apple  |   1.5 |    10 |",
            "| banana | 12.25 |     7 |",
        ]
    )


def test_rst_style():
    assert format_table([["a", 1]], headers=["name", "n"], style="rst") == "\n".join(
        ["====  =", "name  n", "====  =", "a     1", "====  ="]
    )


def test_unknown_style():
    with pytest.raises(ValueError, match="unknown table style"):
        format_table(ROWS, style="fancy-grid")


def test_all_styles_render_consistent_widths():
    for name, style in STYLES.items():
        if style.header_row.end:
            lines = format_table(ROWS, headers=HEADERS, style=name).splitlines()
            assert len({len(line) for line in lines}) == 1, name


def test_floatfmt_and_intfmt():
    out = format_table([[1.5, 3]], floatfmt=".3f", intfmt="04d", style="plain")
    assert out == "1.500  0003"


def test_floatfmt_per_column():
    out = format_table([[1.5, 2.25]], floatfmt=[".1f", ".3f"], style="plain")
    assert out == "1.5  2.250"


def test_thousands_separator_in_table():
    out = format_table([["total", 1234567]], headers=["k", "v"], thousands_sep=",")
    assert out.splitlines()[-1] == "total  1,234,567"


def test_decimal_alignment():
    out = format_table([[1.5], [12.25], [100.125]], numalign="decimal", style="plain")
    assert out.splitlines() == ["  1.5", " 12.25", "100.125"]


def test_colalign_overrides_defaults():
    out = format_table([["a", 1], ["bbb", 22]], headers=["x", "y"], colalign=["right", "left"], style="grid")
    assert out.splitlines()[3] == "|   a | 1  |"


def test_invalid_alignment():
    with pytest.raises(ValueError):
        format_table(ROWS, numalign="middle")


def test_missing_values_in_text_column():
    out = format_table([["x", None], ["y", "z"]], headers=["a", "b"], missingval="n/a", style="grid")
    assert "| x | n/a |" in out.splitlines()


def test_numeric_strings_are_aligned_as_numbers():
    out = format_table([["a", "5"], ["b", "10"]], style="plain")
    assert out == "a   5\nb  10"


def test_numparse_false_keeps_strings_as_text():
    out = format_table([["a", "5"], ["b", "10"]], style="plain", numparse=False)
    assert out == "a  5\nb  10"


def test_list_of_dicts_with_keys():
    rows = [{"name": "Ann", "role": "dev"}, {"name": "Bob", "city": "Oslo"}]
    assert format_table(rows, headers="keys", style="plain") == "\n".join(
        ["name  role  city", "Ann   dev", "Bob         Oslo"]
    )


def test_dict_of_columns():
    out = format_table({"n": [1, 2, 3], "word": ["one", "two"]}, headers="keys", style="plain")
    assert out == "n  word\n1  one\n2  two\n3"


def test_firstrow_headers_and_ragged_rows():
    out = format_table([["a", "b", "c"], [1], [2, 3]], headers="firstrow", style="plain")
    assert out == "a  b  c\n1\n2  3"


def test_headers_keys_needs_dicts():
    with pytest.raises(ValueError):
        format_table([[1, 2]], headers="keys")


def test_multiline_cells():
    out = format_table([["first\nsecond", 1]], headers=["text", "n"], style="grid")
    assert out.splitlines() == [
        "+--------+---+",
        "| text   | n |",
        "+========+===+",
        "| first  | 1 |",
        "| second |   |",
        "+--------+---+",
    ]


def test_maxcolwidths_truncates_ascii():
    out = format_table([["a very long description", 1]], headers=["d", "n"], maxcolwidths=[8, None], style="plain")
    assert out.splitlines()[1] == "a very \u2026  1"


def test_wide_characters_in_left_aligned_column():
    out = format_table([["東京", "x"], ["Paris", "y"]], headers=["city", "k"], style="grid")
    assert out.splitlines() == [
        "+-------+---+",
        "| city  | k |",
        "+=======+===+",
        "| 東京  | x |",
        "+-------+---+",
        "| Paris | y |",
        "+-------+---+",
    ]


def test_empty_input():
    assert format_table([]) == ""
    assert format_table([], headers=["a", "b"]) == "a  b\n-  -"
