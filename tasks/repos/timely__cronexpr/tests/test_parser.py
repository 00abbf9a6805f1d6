import pytest

from cronexpr import CronParseError
from cronexpr.fields import DAY_OF_MONTH, DAY_OF_WEEK, HOUR, MINUTE, MONTH
from cronexpr.parser import ALIASES, parse_field, split_expression


def test_star_covers_whole_range():
    assert parse_field("*", MINUTE) == frozenset(range(60))
    assert parse_field("*", HOUR) == frozenset(range(24))
    assert parse_field("*", DAY_OF_MONTH) == frozenset(range(1, 32))


def test_single_value():
    assert parse_field("5", MINUTE) == {5}


def test_list_of_values():
    assert parse_field("1,15,30", MINUTE) == {1, 15, 30}


def test_range():
    assert parse_field("9-17", HOUR) == set(range(9, 18))


def test_star_with_step():
    assert parse_field("*/15", MINUTE) == {0, 15, 30, 45}


def test_range_with_step():
    assert parse_field("10-50/20", MINUTE) == {10, 30, 50}


def test_list_mixing_ranges_and_steps():
    assert parse_field("1-3,*/20,59", MINUTE) == {0, 1, 2, 3, 20, 40, 59}


def test_month_names_case_insensitive():
    assert parse_field("jan,MAR,Dec", MONTH) == {1, 3, 12}


def test_month_name_range():
    assert parse_field("jun-aug", MONTH) == {6, 7, 8}


def test_day_names():
    assert parse_field("mon-fri", DAY_OF_WEEK) == {1, 2, 3, 4, 5}


def test_sunday_as_seven():
    assert parse_field("7", DAY_OF_WEEK) == {0}


@pytest.mark.parametrize(
    "text, spec",
    [
        ("60", MINUTE),
        ("24", HOUR),
        ("0", DAY_OF_MONTH),
        ("13", MONTH),
        ("8", DAY_OF_WEEK),
        ("abc", MINUTE),
        ("mon", MONTH),
        ("5-1", HOUR),
        ("*/0", MINUTE),
        ("*/x", MINUTE),
        ("1,,2", MINUTE),
        ("", MINUTE),
        ("-5", MINUTE),
    ],
    ids=lambda value: value if isinstance(value, str) else str(value),
)
def test_invalid_fields(text, spec):
    with pytest.raises(CronParseError):
        parse_field(text, spec)


def test_error_names_the_field():
    with pytest.raises(CronParseError) as info:
        parse_field("99", HOUR)
    assert info.value.field == "hour"
    assert "out of range" in str(info.value)


def test_split_expression():
    assert split_expression("  */5 1 * * mon ") == ["*/5", "1", "*", "*", "mon"]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "* * * *", "* * * * * *"],
    ids=["empty", "blank", "four-fields", "six-fields"],
)
def test_split_wrong_field_count(text):
    with pytest.raises(CronParseError):
        split_expression(text)


def test_aliases_expand():
    assert split_expression("@daily") == ["0", "0", "*", "*", "*"]
    assert split_expression("@HOURLY") == ["0", "*", "*", "*", "*"]
    assert set(ALIASES) >= {"@yearly", "@monthly", "@weekly", "@daily", "@hourly"}


def test_unknown_alias():
    with pytest.raises(CronParseError, match="unknown alias"):
        split_expression("@fortnightly")


def test_non_string_expression():
    with pytest.raises(CronParseError):
        split_expression(None)
