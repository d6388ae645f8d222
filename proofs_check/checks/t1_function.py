"""T1 (function preservation), docs/theorems.md and invariants I1, I2 (docs/invariants.md).

f(x; E(theta)) = f(x; theta) for every x, for E in {gamma_lambda, alpha_w0, beta_b0,v0} and any
composition of them; the ReLU dead variant with v0 != 0 preserves f where w~0 . x~ < 0.
Numeric evidence: the largest output difference at ``dps`` digits over random networks,
activations, depths, lambdas (inside and outside [0, 1]) and chains of embeddings, compared
with ``rounding_band(dps, scale)``.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import rounding_band, to_mp_array, to_mp_params, workdps
from proofs_check.landscape import eigen
from proofs_check.checks._instances import random_inputs, random_params
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger
from theory.architecture import Architecture
from theory.embeddings import add_inactive_propagation, add_inactive_unit, draw_dead_incoming, replicate, split
from theory.params import Params, outgoing_indices

THEOREM = "T1"
STATEMENT = ("Every embedding (replication, inactive unit, inactive propagation) and every composition "
             "of them leaves the network function unchanged.")
CLAIMS = ("replication.function", "inactive_unit.function", "inactive_propagation.function",
          "replication.library_map", "inactive_unit.library_map", "inactive_propagation.library_map",
          "inactive_propagation.bias_compensation")
TAMPERS = ("split-shares",)
KINDS = ("replication", "inactive-unit", "inactive-propagation")

CASES_FULL = (((2, 3, 2), "tanh"), ((1, 3, 2, 1), "sigmoid"), ((2, 3, 2), "relu"), ((1, 2, 2, 2), "softplus"),
              ((2, 4, 1), "gelu"))
CASES_QUICK = CASES_FULL[:3]


def _random_chain(arch, params, rng, steps, tamper):
    """Apply ``steps`` random embeddings (mpf parameters); returns (arch, params, names)."""
    names = []
    for step in range(steps):
        layer = int(rng.integers(arch.n_hidden_layers))
        kind = KINDS[step] if step < 3 else KINDS[int(rng.integers(3))]
        if kind == "replication":
            unit = int(rng.integers(arch.widths[layer + 1]))
            lam = mpmath.mpf(float(rng.uniform(-3, 3)))
            if tamper == "split-shares":
                arch, params = split(arch, params, layer, unit, [lam, 1 - lam + mpmath.mpf("0.25")], validate=False)
            else:
                arch, params = replicate(arch, params, layer, unit, lam)
        elif kind == "inactive-unit":
            w0 = to_mp_array(rng.normal(size=arch.incoming_size(layer)))
            arch, params = add_inactive_unit(arch, params, layer, w0)
        else:
            b0 = mpmath.mpf(float(rng.normal()))
            v0 = to_mp_array(rng.normal(size=arch.outgoing_size(layer)))
            arch, params = add_inactive_propagation(arch, params, layer, b0, v0)
        names.append(kind)
    return arch, params, names


def _dead_with_outgoing(arch, params, rng, x):
    """ReLU dead variant: a unit dead on the box [-2, 2]^d, then its v0 set to a random non-zero."""
    w0 = to_mp_array(draw_dead_incoming(arch, 0, rng, box=(-2.0, 2.0), margin=0.5))
    wide, p = add_inactive_unit(arch, params, 0, w0)
    vec = p.to_vector().copy()
    for idx in outgoing_indices(wide, 0, arch.widths[1]):
        vec[idx] = mpmath.mpf(float(rng.normal()))
    return wide, Params.from_vector(wide, vec)


def check(config: CheckConfig) -> CheckResult:
    """Run T1: every embedding and chain of embeddings leaves f(x) unchanged, up to
    ``rounding_band(dps, scale)`` (docs/theorems.md, docs/invariants.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    count = 0
    for k, (widths, act) in enumerate(CASES_QUICK if config.quick else CASES_FULL):
        seed = config.seed + k
        ledger.seed(seed)
        rng = np.random.default_rng(seed)
        arch = Architecture(widths, act)
        x = random_inputs(arch, rng, 7)
        with workdps(dps):
            params = to_mp_params(random_params(arch, rng))
            f0 = mlp.forward(arch, params, x, dps=dps)
            bound = rounding_band(dps, 1 + eigen.max_abs(f0), lost_digits=2)
            for steps in ((1, 4) if config.quick else (1, 3, 10)):
                wide, p, names = _random_chain(arch, params, rng, steps, config.tamper)
                err = eigen.max_abs(mlp.forward(wide, p, x, dps=dps) - f0)
                count += 1
                ledger.at_most(f"{act} {list(widths)} chain of {steps} -> {list(wide.widths)}", err, bound)
            if act == "relu":
                wide, p = _dead_with_outgoing(arch, params, rng, x)
                inside = rng.uniform(-2.0, 2.0, size=(7, arch.input_dim))
                err = eigen.max_abs(mlp.forward(wide, p, inside, dps=dps) - mlp.forward(arch, params, inside, dps=dps))
                ledger.at_most("relu dead unit, v0 != 0, inputs in its dead box", err, bound)
    ledger.note("embeddings compared", str(count))
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS))
