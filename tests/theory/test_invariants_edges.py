"""Invariant I19 of spec theory.md §5: degenerate and edge cases of the embeddings.

- v_j = 0: the replication line collapses to a point (gamma_lambda theta is the same for all lambda);
- lambda = 1 gives alpha_{w~_j}; lambda = 0 gives alpha_{w~_j} after swapping units j and new;
- sigmoid (phi(0) != 0) needs the bias compensation of beta; tanh and ReLU with b0 = 0 do not;
- a ReLU datum exactly on a kink is detected (proofs_check.structure.detect).
Parameter identities are exact (object arrays compared entry by entry); function checks at DPS.
"""

import mpmath
import numpy as np
from hypothesis import example, given, strategies as st

from numerics import mlp
from numerics.precision import to_mp_array, to_mp_params, tolerance, workdps
from proofs_check import strategies as sf
from proofs_check.critical_points import min_kink_distance
from proofs_check.structure import detect
from theory.architecture import Architecture
from theory.embeddings import add_inactive_propagation, add_inactive_unit, replicate
from theory.embeddings import _units
from theory.network import pre_activations
from theory.params import Params, incoming_indices

DPS = 30


def with_zero_outgoing(arch, params, layer, unit):
    W, b = _units.editable(params)
    W[layer + 1][:, unit] = 0.0
    return Params.build(arch, W, b, dtype=float)


def same(p, q):
    return all(u == v for u, v in zip(p.to_vector(), q.to_vector()))


def swap_units(arch, params, layer, j, k):
    """Exchange units j and k of hidden layer ``layer`` (incoming rows, biases, outgoing columns)."""
    W, b = _units.editable(params)
    W[layer][[j, k], :] = W[layer][[k, j], :]
    W[layer + 1][:, [j, k]] = W[layer + 1][:, [k, j]]
    if b is not None:
        b[layer][[j, k]] = b[layer][[k, j]]
    return Params.build(arch, W, b, dtype=float)


@given(net=sf.networks(), lams=st.tuples(sf.lambdas(), sf.lambdas()), data=st.data())
def test_i19_zero_outgoing_weight_collapses_the_line(net, lams, data):
    arch, params = net
    layer, unit = data.draw(sf.hidden_units(arch))
    p = with_zero_outgoing(arch, params, layer, unit)
    (_, a), (_, b) = (replicate(arch, p, layer, unit, lam) for lam in lams)
    assert same(a, b)


def test_i19_negative_control_nonzero_outgoing_weight_gives_a_line():
    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, np.linspace(-1, 1, arch.n_params), dtype=float)
    (_, a), (_, b) = (replicate(arch, params, 0, 0, lam) for lam in (0.25, 0.75))
    assert not same(a, b)


@given(net=sf.networks(), data=st.data())
@example(net=(Architecture((1, 1, 1), "relu", False), Params.from_vector(Architecture((1, 1, 1), "relu", False),
                                                                          [0.5, -2.0], dtype=float)), data=None)
def test_i19_lambda_endpoints_are_inactive_units(net, data):
    arch, params = net
    layer, unit = (0, 0) if data is None else data.draw(sf.hidden_units(arch))
    w_j = params.to_vector()[incoming_indices(arch, layer, unit)]
    alpha_arch, alpha = add_inactive_unit(arch, params, layer, w_j)
    _, at_one = replicate(arch, params, layer, unit, 1.0)
    _, at_zero = replicate(arch, params, layer, unit, 0.0)
    new = arch.widths[layer + 1]
    assert same(at_one, alpha)
    assert same(at_zero, swap_units(alpha_arch, alpha, layer, unit, new))


def test_i19_negative_control_lambda_zero_is_not_alpha_without_the_swap():
    arch = Architecture((2, 2, 2), "sigmoid")
    params = Params.from_vector(arch, np.linspace(-1, 1, arch.n_params), dtype=float)
    w_j = params.to_vector()[incoming_indices(arch, 0, 1)]
    _, alpha = add_inactive_unit(arch, params, 0, w_j)
    _, at_zero = replicate(arch, params, 0, 1, 0.0)
    assert not same(at_zero, alpha)


def uncompensated_propagation(arch, params, layer, b0, v0):
    """beta without the next-layer bias correction (a deliberately wrong map)."""
    w_in = [0.0] * arch.widths[layer] + ([b0] if arch.bias else [])
    return _units.append_unit(arch, params, layer, np.array(w_in, dtype=object), np.asarray(v0, dtype=object))


def function_gap(arch, p, wide_arch, wide, x):
    with workdps(DPS):
        f, g = mlp.forward(arch, p, x, dps=DPS), mlp.forward(wide_arch, wide, x, dps=DPS)
        return max(abs(u - v) for u, v in zip(f.reshape(-1), g.reshape(-1)))


@given(net=sf.networks(activations=("sigmoid", "tanh", "relu"), bias=True, max_width=3), data=st.data())
def test_i19_bias_compensation_is_needed_exactly_when_phi_b0_is_nonzero(net, data):
    arch, params = net
    layer = data.draw(st.integers(0, arch.n_hidden_layers - 1))
    m = arch.outgoing_size(layer)
    v0 = np.array(data.draw(st.lists(st.floats(0.5, 2.0), min_size=m, max_size=m)))
    x = data.draw(sf.datasets(arch, max_n=3)).x
    with workdps(DPS):
        p, zero, v0m = to_mp_params(params), mpmath.mpf(0), to_mp_array(v0)
        compensated = add_inactive_propagation(arch, p, layer, zero, v0m)
        plain = uncompensated_propagation(arch, p, layer, zero, v0m)
        tol = tolerance(DPS, (1 + max(abs(v) for v in p.to_vector())) ** arch.n_layers, lost_digits=2)
        assert function_gap(arch, p, *compensated, x) <= tol  # I1 holds with the compensation
        if arch.activation == "sigmoid":  # phi(0) = 1/2: without compensation the next layer shifts
            assert not same(compensated[1], plain[1])
            # at the layer right after the unit the shift is exactly v0 phi(0) != 0
            za = pre_activations(*compensated, to_mp_array(x))[layer + 1]
            zb = pre_activations(*plain, to_mp_array(x))[layer + 1]
            assert all(abs((zb - za)[i, r] - v0m[r] / 2) <= tol for i in range(za.shape[0]) for r in range(m))
        else:  # tanh(0) = relu(0) = 0: the two maps coincide and preserve f
            assert same(compensated[1], plain[1])


def test_i19_negative_control_sigmoid_without_compensation_breaks_i1():
    arch = Architecture((1, 2, 1), "sigmoid")
    params = Params.from_vector(arch, np.linspace(-1, 1, arch.n_params), dtype=float)
    x = np.array([[0.3], [-0.8]])
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = uncompensated_propagation(arch, p, 0, mpmath.mpf(0), to_mp_array([1.5]))
        assert function_gap(arch, p, wide_arch, wide, x) > 0.7  # = 1.5 * sigmoid(0) = 0.75


@given(net=sf.networks(activations=("relu",), bias=True, max_width=3), data=st.data())
def test_i19_relu_datum_on_a_kink_is_detected(net, data):
    """Placing a datum on unit j's kink (u_ij = 0) makes detect() report it; moving the datum
    off every kink by a margin makes the report empty."""
    arch, params = net
    d_in = arch.input_dim
    unit = data.draw(st.integers(0, arch.widths[1] - 1))
    w = np.array(params.W[0][unit], dtype=float)
    if not np.any(w):
        w = np.ones(d_in)
        W, b = _units.editable(params)
        W[0][unit, :] = w
        params = Params.build(arch, W, b, dtype=float)
    b = float(params.b[0][unit])
    x_kink = -b * w / float(w @ w)  # w . x + b = 0 up to float rounding
    x = np.vstack([x_kink, data.draw(sf.datasets(arch, max_n=3)).x])
    with workdps(DPS):
        xm = to_mp_array(x)
        xm[0] = xm[0] - (np.dot(w, xm[0]) + b) / float(w @ w) * to_mp_array(w)  # exactly on the kink at DPS
    found = detect(arch, params, xm, dps=DPS)
    assert any(k.layer == 0 and k.unit == unit and k.datum == 0 for k in found.kinks)
    assert min_kink_distance(arch, params, xm, dps=DPS) <= found.kink_tolerance


def test_i19_negative_control_data_off_the_kinks_are_not_reported():
    arch = Architecture((1, 2, 1), "relu")
    params = Params.from_vector(arch, [1.0, -1.0, 0.0, 0.5, 1.0, 1.0, 0.0], dtype=float)
    x = np.array([[0.3], [-0.7], [1.1]])  # u = +-x (unit 0) and -x + 0.5 (unit 1): all |u| >= 0.2
    found = detect(arch, params, x, dps=DPS)
    assert found.kinks == ()
    assert min_kink_distance(arch, params, x, dps=DPS) >= mpmath.mpf("0.2") - tolerance(DPS)
