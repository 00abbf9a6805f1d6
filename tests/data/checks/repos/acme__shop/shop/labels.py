def describe(cart):
    return f"{cart.count()} line(s)"
