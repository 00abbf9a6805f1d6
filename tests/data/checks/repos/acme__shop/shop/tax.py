RATE = 0.2


def with_tax(amount, rate=RATE):
    return round(amount * (1 + rate), 2)


def tax_of(amount, rate=RATE):
    return round(amount * rate, 2)
