from shop import tax


def test_with_tax():
    assert tax.with_tax(10) == 12


def test_currency_symbol():
    # fails at the base commit: the module has no SYMBOL yet
    assert tax.SYMBOL == "EUR"
