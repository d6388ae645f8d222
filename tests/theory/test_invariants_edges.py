"""Invariant I19 of docs/invariants.md: degenerate and edge cases of the embeddings.

- v_j = 0: the replication line collapses to a point (gamma_lambda theta is the same for all lambda);
- lambda = 1 gives alpha_{w~_j}; lambda = 0 gives alpha_{w~_j} after swapping units j and new;
- sigmoid (phi(0) != 0) needs the bias compensation of beta; tanh and ReLU with b0 = 0 do not;
- a ReLU datum exactly on a kink is detected (proofs_check.landscape.structure.detect).
The property bodies live in proofs_check.invariants.edges (shared with `semiflat properties`).
Parameter identities are exact (object arrays compared entry by entry); function checks at DPS.
"""

import mpmath
import numpy as np
import pytest
from hypothesis import example, given

from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.instances.critical_points import min_kink_distance
from proofs_check.invariants import SEMIFLAT, Example, Scale, Violation, get_mutant
from proofs_check.invariants import edges as inv
from proofs_check.invariants.base import same_params
from proofs_check.landscape.structure import detect
from theory.architecture import Architecture
from theory.embeddings import add_inactive_unit, replicate
from theory.params import Params, incoming_indices

DPS = 30
SCALE = Scale(max_width=4)


@given(inv.edge_units(SCALE))
def test_i19_zero_outgoing_weight_collapses_the_line(example):
    inv.check_collapsed_line(example, SEMIFLAT)


def test_i19_negative_control_nonzero_outgoing_weight_gives_a_line():
    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, np.linspace(-1, 1, arch.n_params), dtype=float)
    (_, a), (_, b) = (replicate(arch, params, 0, 0, lam) for lam in (0.25, 0.75))
    assert not same_params(a, b)


def pinned_relu():
    arch = Architecture((1, 1, 1), "relu", False)
    params = Params.from_vector(arch, [0.5, -2.0], dtype=float)
    return Example(arch, params, None, {"layer": 0, "unit": 0}, DPS)


@given(inv.edge_units(SCALE))
@example(pinned_relu())
def test_i19_lambda_endpoints_are_inactive_units(example):
    inv.check_endpoints(example, SEMIFLAT)


def test_i19_negative_control_the_neighbour_copy_mutant_breaks_the_endpoints():
    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, np.linspace(-1, 1, arch.n_params), dtype=float)
    example = Example(arch, params, None, {"layer": 0, "unit": 0}, DPS)
    inv.check_endpoints(example, SEMIFLAT)
    with pytest.raises(Violation, match="gamma_1"):
        inv.check_endpoints(example, get_mutant("neighbour-copy"))


def test_i19_negative_control_lambda_zero_is_not_alpha_without_the_swap():
    arch = Architecture((2, 2, 2), "sigmoid")
    params = Params.from_vector(arch, np.linspace(-1, 1, arch.n_params), dtype=float)
    w_j = params.to_vector()[incoming_indices(arch, 0, 1)]
    _, alpha = add_inactive_unit(arch, params, 0, w_j)
    _, at_zero = replicate(arch, params, 0, 1, 0.0)
    assert not same_params(at_zero, alpha)


def function_gap(arch, p, wide_arch, wide, x):
    with workdps(DPS):
        return inv.function_gap(arch, p, wide_arch, wide, x, DPS)[0]


@given(inv.edge_units(Scale(activations=("sigmoid", "tanh", "relu"), max_width=3)))
def test_i19_bias_compensation_is_needed_exactly_when_phi_b0_is_nonzero(example):
    inv.check_bias_compensation(example, SEMIFLAT)


def test_i19_negative_control_sigmoid_without_compensation_breaks_i1():
    arch = Architecture((1, 2, 1), "sigmoid")
    params = Params.from_vector(arch, np.linspace(-1, 1, arch.n_params), dtype=float)
    x = np.array([[0.3], [-0.8]])
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = inv.uncompensated_propagation(arch, p, 0, mpmath.mpf(0), to_mp_array([1.5]))
        assert function_gap(arch, p, wide_arch, wide, x) > 0.7  # = 1.5 * sigmoid(0) = 0.75


@given(inv.kinked_data(Scale(activations=("relu",), max_width=3)))
def test_i19_relu_datum_on_a_kink_is_detected(example):
    """Placing a datum on unit j's kink (u_ij = 0) makes detect() report it."""
    inv.check_kink_detected(example, SEMIFLAT)


def test_i19_negative_control_data_off_the_kinks_are_not_reported():
    arch = Architecture((1, 2, 1), "relu")
    params = Params.from_vector(arch, [1.0, -1.0, 0.0, 0.5, 1.0, 1.0, 0.0], dtype=float)
    x = np.array([[0.3], [-0.7], [1.1]])  # u = +-x (unit 0) and -x + 0.5 (unit 1): all |u| >= 0.2
    found = detect(arch, params, x, dps=DPS)
    assert found.kinks == ()
    assert min_kink_distance(arch, params, x, dps=DPS) >= mpmath.mpf("0.2") - rounding_band(DPS)
