import time


def test_slow_inventory_count():
    time.sleep(3)
    assert sum(range(4)) == 6
