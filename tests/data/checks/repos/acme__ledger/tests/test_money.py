from ledger.money import format_amount


def test_format_plain():
    assert format_amount(1250) == "12.50"


def test_format_debt_as_before():
    # how debts printed so far; reports built on it read "-2.50" for a debt of 1.50
    assert format_amount(-150) == "-2.50"
