"""The one flat parameter order: to_vector / from_vector / flat_index agree."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from theory import Architecture, InvalidArchitecture, InvalidParameters, Params
from theory.params import flat_index, incoming_indices, outgoing_indices

widths_st = st.lists(st.integers(1, 4), min_size=2, max_size=5).map(tuple)


@given(widths=widths_st, bias=st.booleans())
def test_flat_order_matches_flat_index(widths, bias):
    arch = Architecture(widths, "tanh", bias)
    vec = np.arange(arch.n_params)
    p = Params.from_vector(arch, vec, dtype=int)
    assert np.array_equal(p.to_vector(), vec)
    for l in range(arch.n_layers):
        r, c = arch.layer_shape(l)
        for i in range(r):
            for j in range(c):
                assert p.W[l][i, j] == flat_index(arch, "W", l, i, j)
            if bias:
                assert p.b[l][i] == flat_index(arch, "b", l, i)


def test_three_layer_order_is_the_spec_order():
    """[w_1..w_H, b_1..b_H, v_1..v_H, c] for d = M = 1 (docs/network.md)."""
    arch = Architecture((1, 3, 1), "tanh")
    p = Params.from_vector(arch, np.arange(10), dtype=int)
    assert list(p.W[0][:, 0]) == [0, 1, 2] and list(p.b[0]) == [3, 4, 5]
    assert list(p.W[1][0]) == [6, 7, 8] and list(p.b[1]) == [9]
    assert incoming_indices(arch, 0, 1) == [1, 4] and outgoing_indices(arch, 0, 1) == [7]


@pytest.mark.parametrize(
    "widths,message",
    [((3,), "at least input and output"), ((1, 0, 1), "positive integer"), ((1, 2.5, 1), "positive integer")],
)
def test_bad_architectures_say_what_to_fix(widths, message):
    with pytest.raises(InvalidArchitecture, match=message):
        Architecture(widths, "tanh")


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(InvalidArchitecture, match="tanh, relu, sigmoid, softplus, gelu, identity"):
        Architecture((1, 2, 1), "swish")


def test_wrong_shapes_are_rejected_with_the_expected_shape():
    arch = Architecture((2, 3, 1), "tanh")
    with pytest.raises(InvalidParameters, match=r"W\[0\] has shape \[2, 3\]; .* need \[3, 2\]"):
        Params.build(arch, [np.zeros((2, 3)), np.zeros((1, 3))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(InvalidParameters, match="need 13"):
        Params.from_vector(arch, np.zeros(12))


def test_negative_control_column_major_layout_disagrees_with_flat_index():
    """The check above is sharp: reading W[l] column-major (a plausible wrong order) puts some
    entry of a non-square layer at a position flat_index does not give it."""
    arch = Architecture((2, 3, 1), "tanh")
    vec = np.arange(arch.n_params)
    r, c = arch.layer_shape(0)
    wrong = vec[: r * c].reshape(c, r).T  # column-major reading of layer 0's weights
    assert any(wrong[i, j] != flat_index(arch, "W", 0, i, j) for i in range(r) for j in range(c))
    right = Params.from_vector(arch, vec, dtype=int).W[0]
    assert all(right[i, j] == flat_index(arch, "W", 0, i, j) for i in range(r) for j in range(c))
