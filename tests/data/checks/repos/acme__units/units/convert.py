METRES = {"m": 1.0, "km": 1000.0, "ft": 0.3048}


def to_metres(value, unit):
    return value * METRES[unit]


def between(value, source, target):
    return to_metres(value, source) * METRES[target]
