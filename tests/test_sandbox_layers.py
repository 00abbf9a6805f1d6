"""Layers on disk: chain ids, layer sizes from an image's history, and the bytes a set of
images takes with every shared layer counted once."""

from __future__ import annotations

import pytest

from harness.sandbox.layers import ImageLayers, Step, chain_ids, disk_use, layer_sizes

A, B, C = (f"sha256:{c * 64}" for c in "abc")


def test_a_layer_is_named_by_everything_below_it():
    assert chain_ids([A])[0] == A
    assert chain_ids([A, B]) == chain_ids([A, B, C])[:2]  # a shared bottom, the same names
    assert chain_ids([A, C])[1] != chain_ids([B, C])[1]  # the same layer on another parent
    assert len(set(chain_ids([A, B, C]))) == 3


# The shape of the sandbox image's history: a base layer, a RUN that changed nothing (no
# layer), a RUN with a layer, then steps that make none.
SANDBOX = [
    Step(409075278, ""),
    Step(0, '/bin/sh -c set -e; missing="";'),
    Step(9043, "/bin/sh -c useradd --create-home agent"),
    Step(0, "/bin/sh -c #(nop)  ENV PYTHONDONTWRITEBYTECODE=1"),
    Step(0, "/bin/sh -c #(nop) WORKDIR /testbed"),
    Step(0, "/bin/sh -c #(nop)  LABEL cascade-harness=1"),
]


@pytest.mark.parametrize(
    "layers, steps, total, sizes",
    [
        (3, [Step(5), Step(0), Step(7)], 12, [5, 0, 7]),  # every step made a layer
        (2, SANDBOX, 409084321, [409075278, 9043]),  # only the steps with a size did
        # a RUN that wrote nothing made a layer, the metadata steps did not
        (3, [Step(5), Step(0, "RUN true"), Step(7), Step(0, "ENV A=1")], 12, [5, 0, 7]),
        # two RUNs of size 0 and one layer of size 0: which one cannot be told
        (3, [Step(5), Step(0, "RUN a"), Step(0, "RUN b"), Step(7)], 12, [0, 0, 12]),
        (0, [], 0, []),
    ],
)
def test_layer_sizes_are_exact_when_the_history_settles_them(layers, steps, total, sizes):
    assert layer_sizes(layers, steps, total) == sizes


def test_shared_layers_count_once_and_layers_stored_before_not_at_all():
    base, one, two = chain_ids([A, B]), chain_ids([A, B, C]), chain_ids([A, C])
    first = ImageLayers(((base[0], 100), (base[1], 10), (one[2], 5)))
    second = ImageLayers(((two[0], 100), (two[1], 7)))
    assert disk_use([first, second]) == 100 + 10 + 5 + 7
    assert disk_use([first, second], frozenset({A})) == 10 + 5 + 7
    # the same layer seen with another size (a history that could not be read exactly): the
    # larger counts, never the smaller
    assert disk_use([first, ImageLayers(((A, 0), (base[1], 40)))], frozenset({A})) == 40 + 5
