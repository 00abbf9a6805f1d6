from signals.core import Signal


def test_connect_and_send():
    signal = Signal()
    signal.connect(lambda x: x * 2)
    assert signal.send(3) == [6]


def test_send_robust_returns_results():
    signal = Signal()
    signal.connect(lambda x: x + 1)
    assert signal.send_robust(1) == [2]


def test_send_robust_without_receivers():
    assert Signal().send_robust(1) == []


class TestLegacy:
    def test_send_robust_many(self):
        signal = Signal()
        for step in range(3):
            signal.connect(lambda x, step=step: x + step)
        assert signal.send_robust(0) == [0, 1, 2]
