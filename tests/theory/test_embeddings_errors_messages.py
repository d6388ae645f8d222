"""Invalid embedding requests raise typed errors whose message names the bad value and the fix.

Covers: layer out of range, unit out of range, shares not summing to 1, lambda given to an
embedding that has none (and the other method-specific options), wrong vector lengths, a target
width that does not grow. Each family has a control: the boundary value just inside the valid
range is accepted and gives the documented embedding (function preserved).
"""

import re

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from numerics.precision import rounding_band, workdps
from proofs_check.instances import strategies as sf
from theory.architecture import Architecture
from theory.embeddings import (EmbeddingRequest, add_inactive_propagation, add_inactive_unit, embed_to_width,
                               replicate, replication_map, split)
from theory.errors import IncompatibleEmbedding, SemiflatError
from theory.network import forward
from theory.params import Params


def net(widths=(2, 3, 1), activation="tanh", bias=True):
    arch = Architecture(widths, activation, bias)
    return arch, Params.from_vector(arch, np.linspace(-1, 1, arch.n_params), dtype=float)


EPS = np.finfo(float).eps


ORACLE_DPS = 40


def _exact_forward(arch, params, x):
    """f(x) in mpmath at ORACLE_DPS digits from the float64 parameters read exactly."""
    with workdps(ORACLE_DPS):
        exact = Params.from_vector(arch, np.array([mpmath.mpf(float(v)) for v in params.to_vector()], dtype=object))
        return forward(arch, exact, np.array([[mpmath.mpf(float(t)) for t in row] for row in x], dtype=object))


def preserved(arch, params, wide_arch, wide, slack=0):
    """f_wide == f_narrow on inputs in [-1, 1], both evaluated exactly (mpmath at ORACLE_DPS
    digits from the float64 parameters as stored), so the forward pass adds no float64 rounding.

    ``slack`` is the deviation the embedding's own float64 parameter arithmetic may cause (0 for
    the exact embeddings used here: halving a float, copying, appending zeros)."""
    x = np.linspace(-1, 1, 3 * arch.input_dim).reshape(3, arch.input_dim)
    narrow, widef = _exact_forward(arch, params, x), _exact_forward(wide_arch, wide, x)
    with workdps(ORACLE_DPS):
        scale = 1 + max(abs(v) for v in narrow.reshape(-1))
        worst = max(abs(a - b) for a, b in zip(narrow.reshape(-1), widef.reshape(-1)))
        return worst <= rounding_band(ORACLE_DPS, scale, lost_digits=2) + slack


def split_slack(params, wide, layer, unit, k):
    """The exact change of the output a float64 split of unit ``unit`` into ``k`` copies can make:
    copies share the incoming weights, so f_wide - f = (sum_a v_a - v) phi(u) with |phi| <= 1
    (tanh); also checks that sum_a v_a - v is a float64 rounding, <= 2 k eps sum_a |v_a|."""
    with workdps(ORACLE_DPS):
        v = [mpmath.mpf(float(t)) for t in params.W[layer + 1][:, unit]]
        cols = [unit] + list(range(wide.W[layer + 1].shape[1] - (k - 1), wide.W[layer + 1].shape[1]))
        total = 0
        for r, vr in enumerate(v):
            parts = [mpmath.mpf(float(wide.W[layer + 1][r, c])) for c in cols]
            dev = abs(mpmath.fsum(parts) - vr)
            assert dev <= 2 * k * EPS * mpmath.fsum(abs(p) for p in parts)
            total += dev
        return total


@given(network=sf.networks(), bad=st.one_of(st.integers(-5, -1), st.integers(0, 8)))
@example(network=net((1, 1, 1)), bad=1)
def test_layer_out_of_range_names_value_and_valid_range(network, bad):
    arch, params = network
    top = arch.n_hidden_layers - 1
    if 0 <= bad <= top:  # control: an in-range layer is accepted and preserves f
        assert preserved(arch, params, *replicate(arch, params, bad, 0, 0.5))
        return
    for call in (lambda: replicate(arch, params, bad, 0, 0.5),
                 lambda: add_inactive_unit(arch, params, bad, [0.0] * 5),
                 lambda: add_inactive_propagation(arch, params, bad, 0.0, [0.0] * 5),
                 lambda: replication_map(arch, bad, 0, 0.5)):
        with pytest.raises(IncompatibleEmbedding) as info:
            call()
        message = str(info.value)
        assert f"--layer {bad}" in message
        assert f"0..{top}" in message and f"between 0 and {top}" in message


@given(network=sf.networks(), data=st.data())
def test_unit_out_of_range_names_value_and_valid_range(network, data):
    arch, params = network
    layer = data.draw(st.integers(0, arch.n_hidden_layers - 1))
    width = arch.widths[layer + 1]
    bad = data.draw(st.one_of(st.integers(-4, -1), st.integers(width, width + 4)))
    with pytest.raises(IncompatibleEmbedding) as info:
        replicate(arch, params, layer, bad, 0.5)
    message = str(info.value)
    assert f"--unit {bad}" in message and f"{width} units" in message and f"between 0 and {width - 1}" in message
    # control: the last valid unit is accepted
    assert preserved(arch, params, *replicate(arch, params, layer, width - 1, 0.5))


@given(shares=st.lists(st.floats(-2, 2, allow_nan=False), min_size=2, max_size=4))
@example(shares=[0.5, 0.6])
@example(shares=[1.0, 1e-6])
@example(shares=[1.19921875, -1.0625, -0.125])
def test_shares_not_summing_to_one_are_refused_with_their_sum(shares):
    arch, params = net()
    total = sum(shares)
    if abs(total - 1) <= len(shares) * 8 * EPS * max(1.0, sum(abs(s) for s in shares)):
        return  # float64 sum of len(shares) terms: 1 to rounding (the documented rule); the control covers it
    with pytest.raises(IncompatibleEmbedding) as info:
        split(arch, params, 0, 0, shares)
    message = str(info.value)
    assert f"sum to {total}" in message and "not 1" in message and "rescale" in message
    # control: the same shares rescaled to sum 1 are accepted and preserve f
    if abs(total) > 1e-3:
        wide_arch, wide = split(arch, params, 0, 0, [s / total for s in shares])
        assert preserved(arch, params, wide_arch, wide, split_slack(params, wide, 0, 0, len(shares)))


@pytest.mark.parametrize("method", ["inactive-unit", "inactive-propagation"])
def test_lambda_given_to_an_embedding_without_one(method):
    with pytest.raises(IncompatibleEmbedding) as info:
        EmbeddingRequest(method, lam=0.5)
    message = str(info.value)
    assert "--lambda" in message and method in message and "drop it" in message and "replication" in message


@pytest.mark.parametrize("method,field,flag", [("replication", "b0", "--b0"), ("replication", "v0", "--v0"),
                                               ("inactive-propagation", "unit", "--unit"),
                                               ("replication", "incoming", "incoming weights")])
def test_other_options_given_to_the_wrong_method(method, field, flag):
    with pytest.raises(IncompatibleEmbedding) as info:
        EmbeddingRequest(method, **{field: 1})
    message = str(info.value)
    assert flag in message and method in message and "drop it" in message


def test_control_lambda_is_accepted_by_replication():
    arch, params = net()
    wide_arch, wide = embed_to_width(arch, params, EmbeddingRequest("replication", lam=0.5), 5)
    assert wide_arch.widths == (2, 5, 1) and preserved(arch, params, wide_arch, wide)


def test_missing_lambda_and_unknown_method_say_what_to_pass():
    arch, params = net()
    with pytest.raises(IncompatibleEmbedding, match=r"pass --lambda"):
        replicate(arch, params, 0, 0, None)
    with pytest.raises(IncompatibleEmbedding, match=r"--method 'foo'.*replication, inactive-unit, inactive-propagation"):
        EmbeddingRequest("foo")


def test_wrong_vector_lengths_and_target_width():
    arch, params = net()
    with pytest.raises(IncompatibleEmbedding, match=r"incoming vector has 2 entries; hidden layer 0 needs 3"):
        add_inactive_unit(arch, params, 0, [1.0, 2.0])
    with pytest.raises(IncompatibleEmbedding, match=r"v0 has 2 entries; hidden layer 0 feeds 1"):
        add_inactive_propagation(arch, params, 0, 0.0, [1.0, 2.0])
    with pytest.raises(IncompatibleEmbedding, match=r"--to 2: hidden layer 0 already has 3 units; .*larger than 3"):
        embed_to_width(arch, params, EmbeddingRequest("replication", lam=0.5), 2)
    with pytest.raises(IncompatibleEmbedding, match=re.escape("at least 2 shares, got 1")):
        split(arch, params, 0, 0, [1.0])


def test_every_refusal_is_a_semiflat_error_and_bias_free_sigmoid_propagation_is_refused():
    arch, params = net(activation="sigmoid", bias=False)
    with pytest.raises(SemiflatError, match=r"sigmoid\(0\) != 0.*use a network with biases"):
        add_inactive_propagation(arch, params, 0, 0, [0.5])
    # control: tanh without biases needs no compensation and is accepted
    arch, params = net(activation="tanh", bias=False)
    assert preserved(arch, params, *add_inactive_propagation(arch, params, 0, 0, [0.5]))
