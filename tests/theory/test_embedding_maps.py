"""Each embedding kind's maps (apply, undo, tangent) against independent oracles, with negative controls.

Oracles: the network function in exact sympy arithmetic and in mpmath (numerics.mlp, not the
embedding code); undo o apply = id exactly (fractions); tangent = the central-difference
derivative of apply (numerics.derivative_check, the one derivative checker); the entries of
T_lambda as docs/embeddings.md writes them (an independent formula in this file); and the
reductions of proofs_check.landscape.structure (apply_step / lift) inverting the embeddings that built a
network. Every family has a deliberately broken map that must fail.
"""

import doctest
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics import mlp
from numerics.derivative_check import check_grads
from numerics.precision import rounding_band, workdps
from proofs_check.landscape import structure as st
from theory import network
from theory.architecture import Architecture
from theory.embeddings import KINDS, inactive_propagation, inactive_unit, replication
from theory.embeddings import _units
from theory.params import Params
from theory.symbolic.library_maps import spec_replication

DPS = 40
CASES = (((2, 3, 2), 0, 1), ((1, 2, 2, 1), 1, 0))  # (widths, layer, unit)


def mp_vector(rng, n):
    with workdps(DPS):
        return np.array([mpmath.mpf(v) for v in rng.normal(size=n)], dtype=object)


def rationals(rng, n):
    return [sp.Rational(int(v), 7) for v in rng.integers(-9, 10, size=n)]


# The three maps of each kind as (narrow arch, narrow params) -> (wide arch, wide params), with the
# embedding's own parameters fixed; "broken" variants are the negative controls.

def embed(kind, arch, params, layer, unit, *, broken=False):
    sample = _units.zero_like(params.W[0].reshape(-1)[0])
    if kind is replication:
        lam = sample + sp.Rational(2, 5) if isinstance(sample, sp.Basic) else sample + mpmath.mpf("0.4")
        if broken:  # shares (lambda, 1 - lambda + 1/8): not function-preserving
            return replication.split(arch, params, layer, unit, [lam, 1 - lam + sp.Rational(1, 8)], validate=False)
        return replication.apply(arch, params, layer, unit, lam)
    if kind is inactive_unit:
        w0 = [sp.Rational(k + 1, 3) for k in range(arch.incoming_size(layer))]
        out = [sp.Rational(1, 8)] * arch.outgoing_size(layer) if broken else None  # v != 0: not inactive
        return inactive_unit.apply(arch, params, layer, w0, outgoing=out)
    v0 = [sp.Rational(k + 2, 5) for k in range(arch.outgoing_size(layer))]
    if broken:  # no bias compensation
        w_in = [0] * arch.widths[layer] + [sp.Rational(1, 3)]
        return _units.insert_unit(arch, params, layer, w_in, v0)
    return inactive_propagation.apply(arch, params, layer, sp.Rational(1, 3), v0)


def undo(kind, wide_arch, wide, layer, unit, narrow_arch):
    new = narrow_arch.widths[layer + 1]  # the appended unit
    if kind is replication:
        return replication.undo(wide_arch, wide, layer, unit, new)
    if kind is inactive_unit:
        return inactive_unit.undo(wide_arch, wide, layer, new)
    return inactive_propagation.undo(wide_arch, wide, layer, new)


def test_kinds_lists_every_embedding_module_with_its_three_maps():
    assert KINDS == (replication, inactive_unit, inactive_propagation)
    for kind in KINDS:
        assert all(callable(getattr(kind, name)) for name in ("apply", "undo", "tangent"))


@pytest.mark.parametrize("module", KINDS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_doctests_of_the_maps_hold(module):
    failed, attempted = doctest.testmod(module)
    assert attempted >= 3 and failed == 0


@pytest.mark.parametrize("kind", KINDS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_apply_preserves_the_function_exactly_and_broken_maps_do_not(kind):
    """f(apply(theta)) = f(theta) in exact sympy arithmetic (sigmoid: phi(b0) != 0, so the bias
    compensation matters); each broken map changes f."""
    rng = np.random.default_rng(11)
    arch = Architecture((2, 2, 2), "sigmoid")
    params = Params.from_vector(arch, rationals(rng, arch.n_params))
    x = np.array([rationals(rng, 2), rationals(rng, 2)], dtype=object)
    f = network.forward(arch, params, x)
    for broken in (False, True):
        wide_arch, wide = embed(kind, arch, params, 0, 1, broken=broken)
        gap = [sp.simplify(a - b) for a, b in zip(network.forward(wide_arch, wide, x).reshape(-1), f.reshape(-1))]
        assert all(g == 0 for g in gap) is not broken


@pytest.mark.parametrize("widths,layer,unit", CASES)
@pytest.mark.parametrize("kind", KINDS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_apply_preserves_the_function_in_mpmath(kind, widths, layer, unit):
    rng = np.random.default_rng(5)
    arch = Architecture(widths, "tanh")
    x = rng.uniform(-1, 1, size=(5, widths[0]))
    with workdps(DPS):
        params = Params.from_vector(arch, mp_vector(rng, arch.n_params))
        f = mlp.forward(arch, params, x, DPS)
        for broken in (False, True):
            wide_arch, wide = embed(kind, arch, params, layer, unit, broken=broken)
            gap = max(abs(a - b) for a, b in zip(mlp.forward(wide_arch, wide, x, DPS).reshape(-1), f.reshape(-1)))
            assert (gap <= rounding_band(DPS, 1 + max(abs(v) for v in f.reshape(-1)), 2)) is not broken


@pytest.mark.parametrize("widths,layer,unit", CASES)
@pytest.mark.parametrize("kind", KINDS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_undo_after_apply_is_the_identity_exactly(kind, widths, layer, unit):
    rng = np.random.default_rng(7)
    arch = Architecture(widths, "sigmoid")
    params = Params.from_vector(arch, rationals(rng, arch.n_params))
    wide_arch, wide = embed(kind, arch, params, layer, unit)
    back_arch, back = undo(kind, wide_arch, wide, layer, unit, arch)
    assert back_arch == arch
    assert [sp.simplify(a - b) for a, b in zip(back.to_vector(), params.to_vector())] == [0] * arch.n_params
    # Negative control: a plain removal of the new unit (no merge of v, no folded bias), or, for the
    # inactive unit, the removal of the wrong unit, is not the identity.
    wrong = inactive_unit.undo(wide_arch, wide, layer, unit if kind is inactive_unit else widths[layer + 1])[1]
    assert any(sp.simplify(a - b) != 0 for a, b in zip(wrong.to_vector(), params.to_vector()))


def test_undo_after_apply_with_fractions_and_a_copy_inside_the_layer():
    """Replication with the copy inserted at index 0 (``at``): undo merges it back exactly."""
    arch = Architecture((1, 2, 1), "identity")
    theta = [Fraction(k + 1, 3) for k in range(arch.n_params)]
    params = Params.from_vector(arch, theta)
    wide_arch, wide = replication.apply(arch, params, 0, 1, Fraction(3, 7), at=0)
    # the copy (index 0) has the unit's incoming vector and share 4/7 of its outgoing weight
    assert [wide.W[0][0, 0], wide.b[0][0], wide.W[1][0, 0]] == [theta[1], theta[3], Fraction(4, 7) * theta[5]]
    assert list(replication.undo(wide_arch, wide, 0, 2, 0)[1].to_vector()) == theta


def _coordinate_fn(kind, arch, layer, unit):
    """(fn of the stacked coordinates (theta, extra), the extra size, the claimed Jacobian rows)."""
    D = arch.n_params
    if kind is replication:
        lam = mpmath.mpf("0.3")
        return (lambda v: replication.apply(arch, Params.from_vector(arch, v), layer, unit, lam)[1].to_vector()), 0, \
            (lambda e, _: replication.tangent(arch, layer, unit, lam, e))
    if kind is inactive_unit:
        p, q = arch.incoming_size(layer), arch.outgoing_size(layer)

        def fn(v):
            return inactive_unit.apply(arch, Params.from_vector(arch, v[:D]), layer, v[D:D + p],
                                       outgoing=v[D + p:])[1].to_vector()

        return fn, p + q, (lambda e, _: inactive_unit.tangent(arch, layer, e[:D], incoming=e[D:D + p],
                                                              outgoing=e[D + p:]))
    b0 = mpmath.mpf("0.7")

    def fn(v):
        return inactive_propagation.apply(arch, Params.from_vector(arch, v[:D]), layer, b0, v[D:])[1].to_vector()

    return fn, arch.outgoing_size(layer), (lambda e, _: inactive_propagation.tangent(arch, layer, e[:D], b0=b0,
                                                                                     v0=e[D:]))


@pytest.mark.parametrize("widths,layer,unit", CASES)
@pytest.mark.parametrize("kind", KINDS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_tangent_is_the_derivative_of_apply(kind, widths, layer, unit):
    """tangent = the central-difference Jacobian of apply in (theta, the embedding's own
    parameters); a broken tangent (another ratio, no compensation, v dropped) fails the check."""
    rng = np.random.default_rng(13)
    arch = Architecture(widths, "sigmoid")
    fn, extra, tangent = _coordinate_fn(kind, arch, layer, unit)
    n = arch.n_params + extra
    with workdps(DPS):
        point = mp_vector(rng, n)
        eye = [np.array([mpmath.mpf(int(i == k)) for i in range(n)], dtype=object) for k in range(n)]
        jac = np.array([tangent(e, point) for e in eye], dtype=object)
    assert check_grads(fn, jac, point, DPS).passed
    with workdps(DPS):
        broken = jac.copy()
        if kind is replication:
            broken = np.array([replication.tangent(arch, layer, unit, mpmath.mpf("0.35"), e) for e in eye], dtype=object)
        elif kind is inactive_unit:
            broken[-1] = broken[-1] * 0  # the new unit's outgoing direction dropped
        else:
            broken = np.array([inactive_propagation.tangent(arch, layer, e[:arch.n_params], b0=mpmath.mpf("0.7"),
                                                            v0=e[arch.n_params:], phi=lambda z: z * 0)
                               for e in eye], dtype=object)
    assert not check_grads(fn, broken, point, DPS).passed


def test_the_replication_line_direction_is_the_derivative_in_lambda():
    """d/dlambda apply(theta, lambda) = tangent(0, zeta = 0, eta = v): the direction the wide tangent
    space adds along the replication line Gamma (docs/embeddings.md (i)); eta = -v fails."""
    rng = np.random.default_rng(17)
    arch = Architecture((2, 2, 3), "tanh")
    with workdps(DPS):
        params = Params.from_vector(arch, mp_vector(rng, arch.n_params))
        v = _units.outgoing(params, 0, 1)

        def along(lam):
            return replication.apply(arch, params, 0, 1, lam[0])[1].to_vector()

        lam = np.array([mpmath.mpf("0.45")], dtype=object)
        line = replication.tangent(arch, 0, 1, lam[0], eta=v)
        wrong = replication.tangent(arch, 0, 1, lam[0], eta=-v)
    assert check_grads(along, line.reshape(1, -1), lam, DPS).passed
    assert not check_grads(along, wrong.reshape(1, -1), lam, DPS).passed


@pytest.mark.parametrize("widths,layer,unit", CASES)
def test_tangent_and_replication_map_are_T_lambda_in_fractions(widths, layer, unit):
    rng = np.random.default_rng(19)
    arch = Architecture(widths, "tanh")
    lam = Fraction(-5, 3)
    theta = [Fraction(int(v), 4) for v in rng.integers(-8, 9, size=arch.n_params)]
    zeta = [Fraction(int(v), 5) for v in rng.integers(-8, 9, size=arch.incoming_size(layer))]
    eta = [Fraction(int(v), 6) for v in rng.integers(-8, 9, size=arch.outgoing_size(layer))]
    expected = spec_replication(arch, layer, unit, theta, zeta, eta, lam)
    assert list(replication.tangent(arch, layer, unit, lam, theta, zeta=zeta, eta=eta)) == expected
    T = replication.replication_map(arch, layer, unit, lam)
    assert list(T.dot(np.array(theta + zeta + eta, dtype=object))) == expected
    S = replication.replication_map_inverse(arch, layer, unit, lam)
    assert (S.dot(T) == np.eye(T.shape[0], dtype=int)).all()
    # Negative control: the statement with shares swapped is not what the library computes.
    assert list(replication.tangent(arch, layer, unit, 1 - lam, theta, zeta=zeta, eta=eta)) != expected


def test_split_tangent_moves_each_copy_and_keeps_the_merged_unit():
    """k-way: sum_a eta_a = 0 and sum_a lambda_a delta_a = 0 leave the merged unit (undo) fixed; the
    two-copy case is tangent's (zeta, eta)."""
    arch = Architecture((1, 1, 1), "tanh")
    shares = [Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]
    theta = [Fraction(2), Fraction(-1), Fraction(3), Fraction(1, 2)]
    deltas = [[Fraction(1), Fraction(2)], [Fraction(-3), Fraction(0)], [Fraction(3), Fraction(-6)]]
    etas = [[Fraction(1)], [Fraction(2)], [Fraction(-3)]]
    assert sum(s * d[0] for s, d in zip(shares, deltas)) == 0 and sum(e[0] for e in etas) == 0
    _, base = replication.split(arch, Params.from_vector(arch, theta), 0, 0, shares)
    moved = base.to_vector() + replication.split_tangent(arch, 0, 0, shares, deltas=deltas, etas=etas)
    wide_arch = arch.widened(0, 2)
    p = Params.from_vector(wide_arch, moved)
    merged_v = sum(p.W[1][0, a] for a in range(3))
    merged_w = sum(s * p.W[0][a, 0] for s, a in zip(shares, range(3)))
    assert (merged_v, merged_w) == (theta[2], theta[0])
    zeta, eta = [Fraction(1, 3), Fraction(2)], [Fraction(5)]
    lam = Fraction(1, 4)
    two = replication.split_tangent(arch, 0, 0, [lam, 1 - lam], theta,
                                    deltas=[[(1 - lam) * z for z in zeta], [-lam * z for z in zeta]],
                                    etas=[eta, [-e for e in eta]])
    assert list(two) == list(replication.tangent(arch, 0, 0, lam, theta, zeta=zeta, eta=eta))


@pytest.mark.parametrize("kind", ["replicated", "dead", "zero-outgoing", "zero-incoming"])
def test_structure_reduction_inverts_the_embedding_that_built_the_network(kind):
    """apply_step (each kind's undo) returns the narrow network the embedding started from, and
    lift(point=True) (each kind's apply) rebuilds the wide one, at the working precision."""
    rng = np.random.default_rng(23)
    arch = Architecture((1, 2, 1), "relu" if kind == "dead" else "sigmoid")
    x = rng.uniform(-1, 1, size=(6, 1))
    with workdps(DPS):
        params = Params.from_vector(arch, mp_vector(rng, arch.n_params))
        if kind == "replicated":
            wide_arch, wide = replication.apply(arch, params, 0, 1, mpmath.mpf("0.3"))
        elif kind == "dead":
            wide_arch, wide = inactive_unit.apply(arch, params, 0, [mpmath.mpf(1), mpmath.mpf(-5)],
                                                  outgoing=[mpmath.mpf("0.8")])
        elif kind == "zero-outgoing":
            wide_arch, wide = inactive_unit.apply(arch, params, 0, [mpmath.mpf("0.4"), mpmath.mpf("0.2")])
        else:
            wide_arch, wide = inactive_propagation.apply(arch, params, 0, mpmath.mpf("0.6"), [mpmath.mpf("1.5")])
    steps = st.plan(wide_arch, st.detect(wide_arch, wide, x, dps=DPS))
    assert [s.kind for s in steps] == [kind]
    with workdps(DPS):
        narrow_arch, narrow = st.apply_step(wide_arch, wide, steps[0])
        rebuilt = st.lift(wide_arch, wide, steps[0], narrow.to_vector(), point=True)
        tol = rounding_band(DPS, 10, 2)
        assert narrow_arch == arch
        assert max(abs(a - b) for a, b in zip(narrow.to_vector(), params.to_vector())) <= tol
        assert max(abs(a - b) for a, b in zip(rebuilt, wide.to_vector())) <= tol
        # Negative control: the direction lift (no point) drops the removed unit's own weights.
        moved = st.lift(wide_arch, wide, steps[0], narrow.to_vector())
        assert (max(abs(a - b) for a, b in zip(moved, wide.to_vector())) <= tol) is (kind == "replicated")
