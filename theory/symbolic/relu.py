"""ReLU positive homogeneity and the flat directions it creates (the table of docs/embeddings.md; T8 in docs/theorems.md; I18 in docs/invariants.md).

relu(u) = Piecewise((u, u > 0), (0, True)) (the definition in :mod:`theory.activations`); the
same proof runs for every positively homogeneous activation (leaky_relu:A, identity; chosen by
theory.symbolic.applicability from the activation's properties), whose pieces are
phi(u) = slope u on each side of 0. The proofs are explicit case splits: u = p, u = -p (p > 0, a positive symbol) and u = 0; sympy
decides every Piecewise condition from the sign assumptions, so each case is an exact identity.
Negative control (``perturb=True``): a scale c < 0 instead of c > 0, and the scaling map
tampered to (c v, w~ / (c + epsilon)).
"""

from __future__ import annotations

import sympy as sp

from theory.activations import get_activation
from theory.symbolic.applicability import claim_activation, reason_not
from theory.symbolic.generic import symbols_vector
from theory.symbolic.result import EPS, PAIRING, Derivation, reduced_method

FLAT_SIZE = (2, 2)
"""Reduced size of the flat-set identity: input-side {w~_a, w~_b}, output-side {v_a, v_b}."""


def _cases():
    p = sp.Symbol("p", positive=True)
    return (("u > 0", p), ("u < 0", -p), ("u = 0", sp.Integer(0)))


def prove_homogeneity(activation: str, perturb: bool = False) -> Derivation:
    """T8: relu(c u) = c relu(u) for c > 0; hence (v, w~) -> (c v, w~ / c) preserves a unit's
    output, and on samples where both copies are active (or both inactive) a replicated pair
    only depends on U = v_a w~_a^T + v_b w~_b^T (for d = M = 1 a flat set of dimension d + 3 = 4)."""
    d = Derivation(
        "ReLU positive homogeneity: relu(c u) = c relu(u) for every c > 0 and every u; so the scaling "
        "(v, w~) -> (c v, w~/c) leaves f unchanged, and a replicated pair (same activation pattern) "
        "depends only on U = v_a w~_a^T + v_b w~_b^T (the flat set {U = v w~^T}, dimension d+3 for d = M = 1).",
        "relu; every real u by the three sign cases; flat set for every dim w~ and dim v",
        sizes="all", argument=PAIRING,
        method=reduced_method(*FLAT_SIZE, "input-side {w~_a, w~_b}, output-side {v_a, v_b}; signs decided "
                              "case by case"),
        hypotheses="c > 0; for the flat set, both copies active or both inactive on the sample",
    )
    d.not_applicable = reason_not("relu.homogeneity", activation)
    if d.not_applicable:
        return d
    relu = get_activation(claim_activation(activation))
    c = sp.Symbol("c", negative=True) if perturb else sp.Symbol("c", positive=True)
    u = sp.Symbol("u", real=True)
    d.show("definition", relu(u))
    d.show("relu(c u) - c relu(u)", relu(c * u) - c * relu(u))
    for label, value in _cases():
        d.require_zero(f"relu(c u) - c relu(u), case {label}", relu(c * value) - c * relu(value))
        # the scaling map (c v, w~ / c); tampered to (c v, w~ / (c + epsilon)), which a linear phi
        # (homogeneous for every real c) must catch as well
        inverse = c + EPS if perturb else c
        d.require_zero(f"unit scaling, case {label}", c * relu(value / inverse) - relu(value))
    # replicated pair on a sample: both active (pre-activations p_a, p_b > 0) or both inactive
    for P, Q in (FLAT_SIZE,):
        x = symbols_vector("x", P - 1) + [sp.Symbol(f"x_{P - 1}", nonzero=True)]
        va, vb = sp.Matrix(symbols_vector("va", Q)), sp.Matrix(symbols_vector("vb", Q))
        wa, wb = symbols_vector("wa", P), symbols_vector("wb", P)
        xs = sp.Matrix(x)
        pre_a = (sp.Matrix(wa).T * xs)[0, 0]
        pre_b = (sp.Matrix(wb).T * xs)[0, 0]
        pair = va * relu(pre_a) + vb * relu(pre_b)
        U = va * sp.Matrix(wa).T + vb * sp.Matrix(wb).T
        sign = 1 if not perturb else -1
        # on each linear piece phi(t) = slope t, so the pair's output is slope U x~
        p = sp.Symbol("p", positive=True)
        slopes = (relu(p) / p, relu(-p) / -p)
        for label, (ta, tb), expected in (
            ("both active", (sp.Symbol("p_a", positive=True), sp.Symbol("p_b", positive=True)), slopes[0] * U * xs),
            ("both inactive", (-sp.Symbol("p_a", positive=True), -sp.Symbol("p_b", positive=True)), slopes[1] * U * xs),
        ):
            # last coordinates chosen so that w~_a.x~ = ta, w~_b.x~ = tb (any point with that sign)
            at = {wa[-1]: (sign * ta - (pre_a - wa[-1] * x[-1])) / x[-1],
                  wb[-1]: (sign * tb - (pre_b - wb[-1] * x[-1])) / x[-1]}
            if label == "both active":
                d.show("pair output, both copies active", pair.xreplace(at))
                d.show("U x~", (U * xs).xreplace(at))
            d.require_zero(f"pair - U x~, {label}, P={P}, Q={Q}", (pair - expected).xreplace(at))
    return d
