"""T8 (extra ReLU flat directions, the paper's §4.1), docs/theorems.md and the table of docs/embeddings.md.

Positive homogeneity relu(c z) = c relu(z), c > 0: (v_j, w~_j) -> (c v_j, w~_j / c) leaves f and L
unchanged at every theta. For replication (M = 1, d = 1) the loss is constant on the
(d+3)-dimensional set {v_a w~_a + v_b w~_b = v_j w~_j} near gamma_lambda(theta) (no data on kinks),
against the 1-dimensional line for a smooth activation. Evidence: |L - L*| along the scaling for
several c, networks and depths; |L - L*| at seeded points of the (d+3)-family for ReLU; and the
same family for tanh, where the loss does change off the line.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import rounding_band, to_mp_array, to_mp_params, workdps
from proofs_check.checks._instances import critical_instance, random_inputs, random_params
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from theory.architecture import Architecture
from theory.embeddings import replicate
from theory.params import Params, incoming_indices, outgoing_indices

THEOREM = "T8"
STATEMENT = ("ReLU: (v, w~) -> (c v, w~/c), c > 0, preserves the loss, so replication gives a (d+3)-dimensional "
             "constant-loss set {v_a w~_a + v_b w~_b = v_j w~_j} instead of a line.")
CLAIMS = ("relu.homogeneity",)
TAMPERS = ("negative-scale",)


def _scaled(arch, params, layer, unit, c):
    vec = params.to_vector().copy()
    w_in, v_out = incoming_indices(arch, layer, unit), outgoing_indices(arch, layer, unit)
    vec[w_in] = vec[w_in] / c
    vec[v_out] = vec[v_out] * c
    return Params.from_vector(arch, vec)


def _family_point(wide, wp, layer, a, b, rng, size):
    """A point of {v_a w~_a + v_b w~_b = const} (M = 1): perturb w~_a, v_a, v_b; solve for w~_b."""
    vec = wp.to_vector().copy()
    ia, ib = incoming_indices(wide, layer, a), incoming_indices(wide, layer, b)
    oa, ob = outgoing_indices(wide, layer, a)[0], outgoing_indices(wide, layer, b)[0]
    total = vec[oa] * vec[ia] + vec[ob] * vec[ib]
    vec[ia] = vec[ia] + to_mp_array(rng.normal(scale=size, size=len(ia)))
    vec[oa] = vec[oa] * (1 + mpmath.mpf(float(rng.normal(scale=size))))
    vec[ob] = vec[ob] * (1 + mpmath.mpf(float(rng.normal(scale=size))))
    vec[ib] = (total - vec[oa] * vec[ia]) / vec[ob]
    return Params.from_vector(wide, vec)


def check(config: CheckConfig) -> CheckResult:
    """Run T8: ReLU positive homogeneity leaves f and L unchanged along the rescalings, and the
    replication flat set has the predicted dimension (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    rng = np.random.default_rng(config.seed)
    scales = ("0.3", "2", "7") if config.tamper != "negative-scale" else ("-0.5", "2")
    cases = (((2, 3, 2), 0),) if config.quick else (((2, 3, 2), 0), ((2, 3, 3, 1), 1), ((1, 4, 1), 0))
    for k, (widths, layer) in enumerate(cases):
        seed = config.seed + k
        ledger.seed(seed)
        r = np.random.default_rng(seed)
        arch = Architecture(widths, "relu")
        x, y = random_inputs(arch, r, 8), r.normal(size=(8, arch.output_dim))
        with workdps(dps):
            p = to_mp_params(random_params(arch, r))
            L0 = mlp.loss(arch, p, x, y, dps=dps)
            worst = max(abs(mlp.loss(arch, _scaled(arch, p, layer, 1, mpmath.mpf(c)), x, y, dps=dps) - L0)
                        for c in scales)
            bound = rounding_band(dps, 1 + L0, lost_digits=2)
        ledger.at_most(f"relu {list(widths)} layer {layer} unit 1, c in {{{', '.join(scales)}}}: |L(c v, w~/c) - L|",
                       worst, bound)
    # The (d+3)-dimensional constant-loss set of replication, ReLU vs tanh.
    for act in ("relu", "tanh"):
        inst = critical_instance((1, 3, 1), act, seed=config.seed, dps=dps)
        ledger.seed(inst.seed)
        with workdps(dps):
            wide, wp = replicate(inst.arch, to_mp_params(inst.params), 0, 0, mpmath.mpf("0.4"))
            L0 = mlp.loss(inst.arch, inst.params, inst.x, inst.y, dps=dps)
            bound = rounding_band(dps, 1 + L0, lost_digits=2)
            changes = [abs(mlp.loss(wide, _family_point(wide, wp, 0, 0, 3, rng, 1e-4), inst.x, inst.y, dps=dps) - L0)
                       for _ in range(3 if config.quick else 10)]
        if act == "relu":  # one hidden layer, M = 1: the embedded point is a (non-strict) minimum (T7)
            ledger.certify("relu [1, 3, 1] lambda 0.4", wide, wp, inst.x, inst.y, dps, "minimum")
            ledger.at_most(f"relu [1, 3, 1] lambda 0.4: max |L - L*| on the d+3 = 4 dimensional set "
                           f"({len(changes)} points)", max(changes), bound)
        else:
            ledger.require("tanh [1, 3, 1] lambda 0.4: min |L - L*| on the same set (not flat off the line)",
                           min(changes) > bound, f"{fmt(min(changes))} > {fmt(bound)}")
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS, activation="relu"))
