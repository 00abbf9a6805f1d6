"""Small arithmetic helpers."""


def add(a, b):
    return a + b


def mean(values):
    values = list(values)
    return sum(values) / len(values)
