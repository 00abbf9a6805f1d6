from shop.cart import Cart


def test_empty_cart_totals_zero():
    assert Cart().total() == 0


def test_count_lines():
    cart = Cart()
    cart.add("apple", 1.0)
    assert cart.count() == 1
