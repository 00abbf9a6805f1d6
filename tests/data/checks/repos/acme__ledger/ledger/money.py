"""Amounts of money, kept in cents."""


def format_amount(cents):
    """The amount as text: 1250 is "12.50"."""
    return "%d.%02d" % (cents // 100, cents % 100)
