"""A tiny signal dispatcher."""

import warnings


class Signal:
    def __init__(self):
        self.receivers = []

    def connect(self, receiver):
        self.receivers.append(receiver)

    def send(self, *args):
        return [receiver(*args) for receiver in self.receivers]

    def send_robust(self, *args):
        warnings.warn("send_robust() is deprecated; use send()", DeprecationWarning, stacklevel=2)
        return self.send(*args)
