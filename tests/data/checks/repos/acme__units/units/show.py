def show(value, unit):
    return f"{value:g} {unit}"
