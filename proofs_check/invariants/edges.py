"""I18 and I19 of docs/invariants.md: the split function's Taylor coefficients, ReLU homogeneity and
T_lambda's closed-form inverse (exact), and the degenerate and edge cases of the embeddings.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import sympy
from hypothesis import strategies as st

from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.instances import strategies as sf
from proofs_check.instances.critical_points import min_kink_distance
from proofs_check.invariants.base import (Case, Example, Invariant, has_kink, is_positively_homogeneous, require,
                                          same_params)
from proofs_check.invariants.function import function_gap
from proofs_check.invariants.hessian import HESSIAN_WIDTH, rational_units
from proofs_check.landscape.structure import detect
from theory.embeddings import _units
from theory.network import pre_activations
from theory.params import Params, incoming_indices

# --- I18 -----------------------------------------------------------------------------------------

RATIONALS = st.fractions(-3, 3, max_denominator=16)


@st.composite
def taylor_splits(draw, scale):
    """Rational Taylor coefficients p0..p3 of a generic phi and rational u, v, eta, zeta.x~, lambda."""
    values = {k: draw(RATIONALS) for k in ("p0", "p1", "p2", "p3", "u", "v", "eta", "zx", "lam")}
    arch = draw(sf.architectures(**scale.arch_options(max_width=1, max_depth=2)))
    zero = Params.from_vector(arch, np.zeros(arch.n_params), dtype=float)
    return Example(arch, zero, None, values, scale.dps)


def check_split_taylor(ex: Example, subject) -> None:
    """F(t) = (lambda v + t eta) phi(u + (1 - lambda) t zx) + ((1 - lambda) v - t eta) phi(u - lambda t zx)
    with phi = p0 + p1 s + p2 s^2/2 + p3 s^3/6 has F(0) = v phi(u), F'(0) = 0 and
    F''(0) = 2 eta phi'(u) zx + split_factor(lambda) v phi''(u) zx^2, exactly (sympy rationals)."""
    q = {k: sympy.Rational(v.numerator, v.denominator) for k, v in ex.args.items()}
    t, s = sympy.symbols("t s")
    phi = sympy.Lambda(s, q["p0"] + q["p1"] * s + q["p2"] * s ** 2 / 2 + q["p3"] * s ** 3 / 6)
    lam, u, v, eta, zx = q["lam"], q["u"], q["v"], q["eta"], q["zx"]
    F = (lam * v + t * eta) * phi(u + (1 - lam) * t * zx) + ((1 - lam) * v - t * eta) * phi(u - lam * t * zx)
    d1, d2 = sympy.diff(F, t), sympy.diff(F, t, 2)
    dphi, ddphi = sympy.diff(phi(s), s), sympy.diff(phi(s), s, 2)
    require(sympy.expand(F.subs(t, 0) - v * phi(u)) == 0, "F(0) != v phi(u)")
    require(sympy.expand(d1.subs(t, 0)) == 0, "F'(0) != 0")
    claim = 2 * eta * dphi.subs(s, u) * zx + subject.split_factor(lam) * v * ddphi.subs(s, u) * zx ** 2
    require(sympy.expand(d2.subs(t, 0) - claim) == 0, lambda: f"F''(0) = {d2.subs(t, 0)} != {claim}")


def check_inverse(ex: Example, subject) -> None:
    """The closed-form inverse of T_lambda is its inverse, exactly (rationals)."""
    args = (ex.arch, ex["layer"], ex["unit"], ex["lam"])
    T = np.vectorize(Fraction, otypes=[object])(subject.replication_map(*args))
    S = np.vectorize(Fraction, otypes=[object])(subject.replication_map_inverse(*args))
    product = S @ T
    require(all(product[i, k] == (1 if i == k else 0) for i in range(len(T)) for k in range(len(T))),
            "replication_map_inverse(lambda) @ replication_map(lambda) != identity")


@st.composite
def relu_scalings(draw, scale):
    """A positively homogeneous network (ReLU), inputs, a hidden unit and a factor c > 0."""
    acts = scale.only(is_positively_homogeneous)
    arch, params = draw(sf.networks(**scale.arch_options(activations=acts)))
    data = draw(sf.datasets(arch, max_n=4))
    layer, unit = draw(sf.hidden_units(arch))
    c = draw(st.floats(0.01, 100.0))
    return Example(arch, params, data, {"layer": layer, "unit": unit, "c": c}, scale.dps)


def check_relu_homogeneity(ex: Example, subject) -> None:
    """relu(c z) = c relu(z) for c > 0: scaling a unit's w~ by c and its v by 1/c preserves f."""
    arch, layer, unit = ex.arch, ex["layer"], ex["unit"]
    with workdps(ex.dps):
        p, c = to_mp_params(ex.params), mpmath.mpf(ex["c"])
        W, b = _units.editable(p)
        _units.set_unit(arch, W, b, layer, unit, w_in=_units.incoming(arch, p, layer, unit) * c,
                        v_out=_units.outgoing(p, layer, unit) / c)
        scaled = _units.finish(arch, p, W, b)
        err, tol = function_gap(arch, p, arch, scaled, ex.data.x, ex.dps)
    require(err <= tol * (1 + c + 1 / c), lambda: f"f moved by {mpmath.nstr(err, 5)} under the ReLU scaling c = {c}",
            (arch, scaled))


I18 = Invariant("I18", "split Taylor coefficients F(0) = v phi(u), F'(0) = 0, F''(0); ReLU homogeneity; T_lambda^-1",
                (Case("taylor", taylor_splits, check_split_taylor),
                 Case("inverse", rational_units, check_inverse),
                 Case("relu-homogeneity", relu_scalings, check_relu_homogeneity,
                      lambda s: bool(s.only(is_positively_homogeneous)))))


# --- I19 -----------------------------------------------------------------------------------------


def with_zero_outgoing(arch, params, layer, unit):
    """``params`` with unit ``unit``'s outgoing vector set to 0."""
    W, b = _units.editable(params)
    W[layer + 1][:, unit] = 0.0
    return Params.build(arch, W, b, dtype=float)


def swap_units(arch, params, layer, j, k):
    """Exchange units j and k of hidden layer ``layer`` (incoming rows, biases, outgoing columns)."""
    W, b = _units.editable(params)
    W[layer][[j, k], :] = W[layer][[k, j], :]
    W[layer + 1][:, [j, k]] = W[layer + 1][:, [k, j]]
    if b is not None:
        b[layer][[j, k]] = b[layer][[k, j]]
    return Params.build(arch, W, b, dtype=float)


@st.composite
def edge_units(draw, scale):
    """A network, data, a hidden unit, two ratios and positive outgoing weights v0 for beta."""
    arch, params = draw(sf.networks(**scale.arch_options()))
    data = draw(sf.datasets(arch, max_n=3))
    layer, unit = draw(sf.hidden_units(arch))
    m = arch.outgoing_size(layer)
    args = {"layer": layer, "unit": unit, "lams": (draw(sf.lambdas()), draw(sf.lambdas())),
            "v0": draw(st.lists(st.floats(0.5, 2.0), min_size=m, max_size=m))}
    return Example(arch, params, data, args, scale.dps)


def check_collapsed_line(ex: Example, subject) -> None:
    """v_j = 0 before replication: gamma_lambda theta is the same point for every lambda."""
    p = with_zero_outgoing(ex.arch, ex.params, ex["layer"], ex["unit"])
    (_, a), (_, b) = (subject.replicate(ex.arch, p, ex["layer"], ex["unit"], lam) for lam in ex["lams"])
    require(same_params(a, b), "with v_j = 0 two ratios give different points")


def check_endpoints(ex: Example, subject) -> None:
    """gamma_1 = alpha_{w~_j}; gamma_0 = alpha_{w~_j} with units j and new swapped."""
    arch, params, layer, unit = ex.arch, ex.params, ex["layer"], ex["unit"]
    w_j = params.to_vector()[incoming_indices(arch, layer, unit)]
    alpha_arch, alpha = subject.add_inactive_unit(arch, params, layer, w_j)
    at_one = subject.replicate(arch, params, layer, unit, 1.0)
    at_zero = subject.replicate(arch, params, layer, unit, 0.0)
    require(same_params(at_one[1], alpha), "gamma_1(theta) != alpha_{w~_j}(theta)", at_one)
    require(same_params(at_zero[1], swap_units(alpha_arch, alpha, layer, unit, arch.widths[layer + 1])),
            "gamma_0(theta) != alpha_{w~_j}(theta) with the two units swapped", at_zero)


def uncompensated_propagation(arch, params, layer, b0, v0):
    """beta without the next-layer bias correction (the reference the compensation is judged by)."""
    w_in = [b0 * 0] * arch.widths[layer] + ([b0] if arch.bias else [])
    return _units.insert_unit(arch, params, layer, np.array(w_in, dtype=object), np.asarray(v0, dtype=object))


def check_bias_compensation(ex: Example, subject) -> None:
    """beta with b0 = 0 preserves f; when phi(0) != 0 it differs from the uncompensated map, whose
    next pre-activations shift by exactly v0 phi(0); when phi(0) = 0 the two maps coincide."""
    arch, layer, x = ex.arch, ex["layer"], ex.data.x
    if not arch.bias:
        return
    with workdps(ex.dps):
        p, zero, v0 = to_mp_params(ex.params), mpmath.mpf(0), to_mp_array(ex["v0"])
        compensated = subject.add_inactive_propagation(arch, p, layer, zero, v0)
        plain = uncompensated_propagation(arch, p, layer, zero, v0)
        err, tol = function_gap(arch, p, *compensated, x, ex.dps)
        require(err <= tol, "beta with b0 = 0 changed the function", compensated)
        phi0 = arch.phi(zero)
        if phi0 != 0:
            require(not same_params(compensated[1], plain[1]), "phi(0) != 0 but beta applied no compensation",
                    compensated)
            za = pre_activations(*plain, to_mp_array(x))[layer + 1]
            zb = pre_activations(*compensated, to_mp_array(x))[layer + 1]
            shift = max(abs((za - zb)[i, r] - v0[r] * phi0) for i in range(za.shape[0]) for r in range(za.shape[1]))
            require(shift <= rounding_band(ex.dps, 1 + sum(abs(v) for v in p.to_vector()), lost_digits=2),
                    "the uncompensated shift of the next pre-activations is not v0 phi(0)", compensated)
        else:
            require(same_params(compensated[1], plain[1]), "phi(0) = 0 but beta changed the next bias", compensated)


@st.composite
def kinked_data(draw, scale):
    """A kinked network (ReLU) with biases, a unit of hidden layer 0 and one datum on its kink."""
    acts = scale.only(has_kink)
    arch, params = draw(sf.networks(**scale.arch_options(activations=acts, bias=True, max_width=HESSIAN_WIDTH)))
    unit = draw(st.integers(0, arch.widths[1] - 1))
    data = draw(sf.datasets(arch, max_n=3))
    return Example(arch, params, data, {"unit": unit}, scale.dps)


def check_kink_detected(ex: Example, subject) -> None:
    """A datum exactly on unit j's kink (u_ij = 0 at dps) is reported by structure.detect."""
    arch, params, unit = ex.arch, ex.params, ex["unit"]
    w = np.array(params.W[0][unit], dtype=float)
    if not np.any(w):
        W, b = _units.editable(params)
        W[0][unit, :] = w = np.ones(arch.input_dim)
        params = Params.build(arch, W, b, dtype=float)
    bias = float(params.b[0][unit])
    with workdps(ex.dps):
        x = to_mp_array(np.vstack([-bias * w / float(w @ w), np.asarray(ex.data.to_float().x)]))
        x[0] = x[0] - (np.dot(w, x[0]) + bias) / float(w @ w) * to_mp_array(w)
    found = detect(arch, params, x, dps=ex.dps)
    require(any(k.layer == 0 and k.unit == unit and k.datum == 0 for k in found.kinks),
            "a datum on a kink was not detected")
    require(min_kink_distance(arch, params, x, dps=ex.dps) <= found.kink_tolerance,
            "min_kink_distance does not see the datum on the kink")


I19 = Invariant("I19", "v_j = 0 collapses the line; lambda in {0, 1} ends are inactive units; sigmoid needs the "
                "compensation; data on a ReLU kink are detected",
                (Case("collapsed-line", edge_units, check_collapsed_line),
                 Case("endpoints", edge_units, check_endpoints),
                 Case("bias-compensation", edge_units, check_bias_compensation),
                 Case("kink", kinked_data, check_kink_detected, lambda s: bool(s.only(has_kink)))))
