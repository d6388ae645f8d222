"""I1-I4 of docs/invariants.md: function preservation, the dead ReLU unit, bookkeeping, line constancy.

Numerical comparisons run at the example's dps with :mod:`numerics.mlp`, an evaluator independent
of :mod:`theory.network` that the embeddings are written against.
"""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics import mlp
from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.instances import strategies as sf
from proofs_check.landscape.eigen import max_abs
from proofs_check.invariants.base import Case, Example, Invariant, has_dead_zone, output_scale, require
from theory.embeddings import _units
from theory.network import hidden_values
from theory.params import incoming_indices, outgoing_indices


def function_gap(arch, params, wide_arch, wide, x, dps):
    """(max |f_wide(x) - f(x)|, its tolerance at ``dps``); call inside ``workdps(dps)``."""
    f = mlp.forward(arch, params, x, dps=dps)
    g = mlp.forward(wide_arch, wide, x, dps=dps)
    err = max_abs(np.asarray(f, dtype=object) - np.asarray(g, dtype=object))
    return err, rounding_band(dps, output_scale(wide, x), lost_digits=2)


def _gap_message(err, tol, what):
    return lambda: f"|f(E(theta)) - f(theta)| = {mpmath.nstr(err, 5)} > {mpmath.nstr(tol, 5)} after {what}"


# --- I1 ------------------------------------------------------------------------------------------


@st.composite
def chains(draw, scale):
    """A network, inputs and a chain of up to 10 embeddings."""
    arch, params = draw(sf.networks(**scale.arch_options()))
    chain = draw(sf.embedding_steps(arch, max_steps=10))
    data = draw(sf.datasets(arch, max_n=4))
    return Example(arch, params, data, {"chain": chain}, scale.dps)


def check_chain(ex: Example, subject) -> None:
    """f(x; E_k ... E_1 theta) = f(x; theta) for the drawn chain (T1)."""
    with workdps(ex.dps):
        narrow = to_mp_params(ex.params)
        wide_arch, wide = sf.apply_steps(ex.arch, narrow, ex["chain"], subject)
        require(wide_arch.n_params > ex.arch.n_params, "the chain added no parameter")
        err, tol = function_gap(ex.arch, narrow, wide_arch, wide, ex.data.x, ex.dps)
    require(err <= tol, _gap_message(err, tol, ex["chain"]), (wide_arch, wide))


I1 = Invariant("I1", "f(x; E(theta)) = f(x; theta) for every chain of up to 10 embeddings",
               (Case("chain", chains, check_chain),))


# --- I2 ------------------------------------------------------------------------------------------


def _relu(scale):
    return scale.only(has_dead_zone)


@st.composite
def dead_units(draw, scale, margin=0.5, min_n=2, max_n=6, bound=5.0):
    """A ReLU network with biases, data, a hidden layer and outgoing weights for a dead unit."""
    arch, params = draw(sf.networks(**scale.arch_options(activations=_relu(scale), bias=True)))
    data = draw(sf.datasets(arch, min_n=min_n, max_n=max_n))
    layer = draw(st.integers(0, arch.n_hidden_layers - 1))
    m = arch.outgoing_size(layer)
    v_new = draw(sf.real_lists(m, bound))
    return Example(arch, params, data, {"layer": layer, "v_new": v_new, "margin": margin}, scale.dps)


def dead_unit(ex: Example, subject, p, rng_seed=0, v_new=None, stretch=1):
    """The wide network with ``subject``'s dead unit (outgoing ``v_new``) in ``ex['layer']``;
    ``p`` are the narrow mpf parameters (call inside ``workdps``)."""
    layer = ex["layer"]
    inputs = hidden_values(ex.arch, ex.params, ex.data.to_float().x)[layer]
    w0 = subject.dead_incoming(ex.arch, layer, np.random.default_rng(rng_seed), inputs=inputs, margin=ex["margin"])
    v = ex["v_new"] if v_new is None else v_new
    return _units.insert_unit(ex.arch, p, layer, to_mp_array(w0) * stretch, to_mp_array(v))


def check_dead_function(ex: Example, subject) -> None:
    """A unit with w~0 . h~ < 0 on every datum leaves f unchanged for any v_new."""
    with workdps(ex.dps):
        narrow = to_mp_params(ex.params)
        wide_arch, wide = dead_unit(ex, subject, narrow)
        err, tol = function_gap(ex.arch, narrow, wide_arch, wide, ex.data.x, ex.dps)
    require(err <= tol, _gap_message(err, tol, f"a dead unit in layer {ex['layer']}"), (wide_arch, wide))


I2 = Invariant("I2", "a ReLU unit dead on the data leaves f unchanged there for any outgoing weight",
               (Case("dead-unit", dead_units, check_dead_function, lambda s: bool(_relu(s))),))


# --- I3 ------------------------------------------------------------------------------------------


@st.composite
def unit_embeddings(draw, scale, activations=None, **options):
    """A network, data, a hidden unit, lambda, w~0, v0 and b0 (b0 = 0 without biases)."""
    arch, params = draw(sf.networks(**scale.arch_options(activations=activations, **options)))
    data = draw(sf.datasets(arch, max_n=6))
    layer, unit = draw(sf.hidden_units(arch))
    m = arch.outgoing_size(layer)
    args = {"layer": layer, "unit": unit, "lam": draw(sf.lambdas()),
            "w0": draw(sf.incoming_vectors(arch, layer)),
            "v0": draw(sf.real_lists(m, 2.0)),
            "b0": draw(sf.reals(2.0)) if arch.bias else 0.0}
    return Example(arch, params, data, args, scale.dps)


def unit_vectors(arch, params, layer, unit):
    """(w~, v) of a unit, from the flat vector."""
    vec = params.to_vector()
    return vec[incoming_indices(arch, layer, unit)], vec[outgoing_indices(arch, layer, unit)]


def check_bookkeeping(ex: Example, subject) -> None:
    """Sizes, v_j + v_new = v and w~_new = w~_j after replication, v_new = 0 after an inactive
    unit, w_new = 0 and compensated bias + v_new phi(b0) = old bias after inactive propagation."""
    arch, layer, unit, lam = ex.arch, ex["layer"], ex["unit"], ex["lam"]
    extra = arch.incoming_size(layer) + arch.outgoing_size(layer)
    new = arch.widths[layer + 1]
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        tol = rounding_band(ex.dps, 4 + abs(lam))
        w_j, v_j = unit_vectors(arch, p, layer, unit)

        wide = subject.replicate(arch, p, layer, unit, mpmath.mpf(lam))
        require(wide[0].n_params == arch.n_params + extra, "replication added the wrong number of parameters", wide)
        w_a, v_a = unit_vectors(*wide, layer, unit)
        w_b, v_b = unit_vectors(*wide, layer, new)
        require(max_abs(v_a + v_b - v_j) <= tol, "after replication v_j + v_new != v_j(narrow)", wide)
        require(max_abs(w_b - w_j) == 0 and max_abs(w_a - w_j) == 0,
                "after replication the incoming vectors differ from w~_j", wide)

        wide = subject.add_inactive_unit(arch, p, layer, to_mp_array(ex["w0"]))
        require(wide[0].n_params == arch.n_params + extra, "an inactive unit added the wrong number of parameters", wide)
        w_b, v_b = unit_vectors(*wide, layer, new)
        require(all(v == 0 for v in v_b), "an inactive unit has v_new != 0", wide)
        require(max_abs(w_b - to_mp_array(ex["w0"])) == 0, "an inactive unit has w~_new != w~0", wide)

        if arch.bias or arch.phi.vanishes_at_zero:
            b0 = mpmath.mpf(ex["b0"])
            wide = subject.add_inactive_propagation(arch, p, layer, b0, to_mp_array(ex["v0"]))
            w_b, v_b = unit_vectors(*wide, layer, new)
            require(all(v == 0 for v in w_b[:arch.widths[layer]]), "inactive propagation has w_new != 0", wide)
            if arch.bias:
                restored = wide[1].b[layer + 1] + v_b * arch.phi(w_b[-1])
                require(max_abs(restored - p.b[layer + 1]) <= tol * output_scale(ex.params, [1]),
                        "after inactive propagation b^(l+1) + v_new phi(b0) != b^(l+1)(narrow)", wide)


I3 = Invariant("I3", "sizes, v_j + v_new = v_j and w~_new = w~_j; v_new = 0; w_new = 0 and compensated bias",
               (Case("bookkeeping", unit_embeddings, check_bookkeeping),))


# --- I4 ------------------------------------------------------------------------------------------


@st.composite
def lines(draw, scale):
    """A network, data, a hidden unit and two ratios lambda."""
    arch, params = draw(sf.networks(**scale.arch_options()))
    data = draw(sf.datasets(arch, max_n=6))
    layer, unit = draw(sf.hidden_units(arch))
    return Example(arch, params, data, {"layer": layer, "unit": unit,
                                        "lams": [draw(sf.lambdas()) for _ in range(2)]}, scale.dps)


def check_line(ex: Example, subject) -> None:
    """L(gamma_lambda theta) = L(theta) for the drawn ratios, at any theta."""
    d = ex.data
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        base = mlp.loss(ex.arch, p, d.x, d.y, dps=ex.dps)
        tol = rounding_band(ex.dps, (1 + base) * output_scale(ex.params, d.x) ** 2, lost_digits=2)
        for lam in ex["lams"]:
            wide = subject.replicate(ex.arch, p, ex["layer"], ex["unit"], mpmath.mpf(lam))
            moved = abs(mlp.loss(*wide, d.x, d.y, dps=ex.dps) - base)
            require(moved <= tol, lambda: f"|L(gamma_lambda theta) - L(theta)| = {mpmath.nstr(moved, 5)} > "
                                          f"{mpmath.nstr(tol, 5)} at lambda = {lam}", wide)


I4 = Invariant("I4", "L(gamma_lambda theta) = L(theta) for every lambda, at any theta",
               (Case("line", lines, check_line),))
