"""The disk budget's bookkeeping: what fits, what the next image is expected to take, and which
image goes first to make room."""

from __future__ import annotations

from harness.sandbox.budget import DiskBudget
from harness.sandbox.layers import ImageLayers

BEFORE = "sha256:" + "0" * 64


def layers(name: str, size: int) -> ImageLayers:
    """An image of a layer stored before the run and one of its own."""
    return ImageLayers(((BEFORE, 10_000), (f"sha256:{name:0>64}", size)))


def test_only_the_run_s_own_layers_count_and_the_peak_is_kept():
    budget = DiskBudget(250, frozenset({BEFORE}))
    budget.add("a", layers("a", 100), instance=True, download=None)
    budget.add("b", layers("b", 120), instance=True, download=None)
    assert budget.used() == 220 and budget.peak == 220
    assert budget.fits(30) and not budget.fits(31)
    budget.reserved = 30
    assert not budget.fits(1)
    del budget.kept["a"]
    assert budget.used() == 120 and budget.peak == 220
    assert budget.never_fits(251) and not budget.never_fits(250)
    assert DiskBudget(None).fits(10**15) and not DiskBudget(None).never_fits(10**15)


def test_an_image_is_expected_to_expand_as_much_as_any_before_it():
    budget = DiskBudget(10**6, frozenset({BEFORE}))
    assert budget.expected(None) == 0 and budget.expected(40) == 40
    budget.add("a", layers("a", 300), instance=True, download=100)  # 3x its download
    budget.add("b", layers("b", 150), instance=True, download=100)
    assert budget.expansion == 3.0 and budget.largest == 300
    assert budget.expected(50) == 150 and budget.expected(None) == 300


def test_the_image_needed_least_recently_goes_first_and_a_needed_one_never():
    budget = DiskBudget(10**6)
    for name, when in (("old", 1.0), ("recent", 5.0), ("busy", 0.0)):
        budget.add(name, layers(name, 10), instance=True, download=None)
        budget.kept[name].last_needed = when
    needed = {"busy"}
    assert budget.victim(lambda kept: kept.name in needed).name == "old"
    needed.add("old")
    assert budget.victim(lambda kept: kept.name in needed).name == "recent"
    assert budget.victim(lambda kept: True) is None
