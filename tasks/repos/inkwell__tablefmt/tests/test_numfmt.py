from decimal import Decimal

import pytest

from tablefmt.numfmt import (
    align_decimal,
    column_type,
    format_number,
    group_digits,
    is_int,
    is_number,
)


def test_is_number():
    assert is_number(3) and is_number(2.5) and is_number(Decimal("1.1"))
    assert is_number("  -12.5e3 ") and is_number("nan") and is_number(".5")
    assert not is_number("12a") and not is_number("") and not is_number(None)


def test_bools_are_not_numbers():
    assert not is_number(True)
    assert not is_int(False)


def test_numparse_disabled_for_strings():
    assert not is_number("12", numparse=False)
    assert is_number(12, numparse=False)


@pytest.mark.parametrize(
    "values, kind",
    [
        ([1, 2, 3], "int"),
        ([1, 2.5], "float"),
        (["1", "2"], "int"),
        (["1.5", "7"], "float"),
        ([1, "x"], "text"),
        ([], "text"),
    ],
    ids=["ints", "mixed", "int-strings", "float-strings", "text", "empty"],
)
def test_column_type(values, kind):
    assert column_type(values) == kind


def test_format_number_specs():
    assert format_number(3.14159, ".2f") == "3.14"
    assert format_number("2.5", ".3f") == "2.500"
    assert format_number(42, "05d") == "00042"
    assert format_number(float("nan"), ".2f") == "nan"


def test_thousands_separator():
    assert format_number(1234567, "", ",") == "1,234,567"
    assert format_number(1234567.891, ".2f", " ") == "1 234 567.89"
    assert format_number(-1234567, "", ",") == "-1,234,567"
    assert format_number(999, "", ",") == "999"


def test_group_digits_leaves_scientific_notation_alone():
    assert group_digits("1.5e+12") == "1.5e+12"
    assert group_digits("inf") == "inf"


def test_align_decimal():
    assert align_decimal(["1.5", "12.25", "100.125"]) == ["1.5  ", "12.25 ", "100.125"]
