class Cart:
    def __init__(self):
        self.lines = []

    def add(self, name, price, quantity=1):
        self.lines.append((name, price, quantity))

    def total(self):
        return sum(price for _, price, _ in self.lines)

    def count(self):
        return len(self.lines)
