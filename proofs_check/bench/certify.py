"""`semiflat bench` section "certify": certified verdicts and high precision at scale (docs/certified.md).

Rows (each against a baseline measured in the same run):
- certify a tanh [1, 2, 1] strict minimum (target < 0.1 s) vs the numerical classifier's mpmath
  Hessian + eigen-decomposition of the same point;
- certify a tanh [1, 5, 1] zero-error fit and its inactive-unit embedding into [1, 30, 1]
  (target < 2 s together) vs mpmath.eigsy of the [1, 30, 1] Hessian;
- the cost curve of certifying [1, H, 1] inactive-unit embeddings of that fit, D = 16 .. 301
  (target < 30 s at D = 301) vs mpmath.eigsy, measured where it finishes and extrapolated by D^3;
- the dps-50 Hessian of [2, 30, 30, 1] on 20 points (1051 parameters) with arb_mat (target
  <= 30 s) vs the object-array path (numerics.mlp), measured at [2, 10, 10, 1] and extrapolated by
  its measured growth;
- certified inertia of a 1000 x 1000 symmetric matrix at dps 50 (target <= 60 s) vs mpmath.eigsy
  extrapolated by D^3 from 60 x 60.
Figures are wall-clock on whatever else the machine runs; the ratios are what carry over.
"""

from __future__ import annotations

import time

import mpmath
import numpy as np
from flint import arb, arb_mat

from numerics import mlp
from numerics.ball_functions import ball_precision, bits_for
from numerics.balls import evaluate
from numerics.dataset import Dataset
from numerics.precision import workdps
from proofs_check.bench.table import BenchRow, RowTable, peak_memory
from proofs_check.certified.certify import certify
from proofs_check.instances.critical_search import find_strict_minimum
from proofs_check.certified.interval_proofs import certified_inertia
from theory.architecture import Architecture
from theory.embeddings.inactive_unit import add_inactive_unit
from theory.params import Params

TITLE = "certify"
DPS = 50


def _time(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _eigsy_seconds(H, dps=DPS):
    with workdps(dps):
        return _time(lambda: mpmath.eigsy(mpmath.matrix(np.asarray(H).tolist())))[0]


def _zero_fit(rng):
    arch = Architecture((1, 5, 1), "tanh")
    params = Params.from_vector(arch, rng.normal(size=arch.n_params))
    x = rng.uniform(-1, 1, size=(10, 1))
    return arch, params, Dataset(x, mlp.forward(arch, params, x, DPS + 10))


def _embedded(arch, params, H, rng):
    with workdps(DPS):
        while arch.widths[1] < H:
            arch, params = add_inactive_unit(arch, params, 0, [mpmath.mpf(float(v)) for v in rng.normal(size=2)])
    return arch, params


TODAY = {16: 0.01, 31: 0.02, 91: 0.02, 181: 0.05}
"""Certification times of the cost curve README publishes (seconds, by D): targets below D = 301."""


def _goal(seconds, quick=False) -> dict:
    return {} if quick else {"target": seconds, "target_kind": "goal"}


def bench(quick: bool) -> list[RowTable]:
    """The certify section's tables (rows listed in the module docstring); ``quick`` keeps the smaller sizes."""
    rng = np.random.default_rng(0)
    rows, notes = [], []
    with peak_memory() as mem:
        a, p, data, _ = find_strict_minimum("tanh", (1, 2, 1), 12, seed=2024, dps=DPS)
        ours, c = _time(lambda: certify(a, p, data, DPS))
        base = _time(lambda: _eigsy_seconds(mlp.hessian(a, p, data.x, data.y, DPS)))[0]
    rows.append(BenchRow("[1, 2, 1] strict minimum certified", ours, "s", "mpmath Hessian + eigsy", base,
                         detail=c.verdict, peak_mib=mem["mib"], **_goal(0.1)))

    with peak_memory() as mem:
        arch, params, fit = _zero_fit(rng)
        wide_arch, wide = _embedded(arch, params, 30, rng)
        ours, (c1, c2) = _time(lambda: (certify(arch, params, fit, DPS), certify(wide_arch, wide, fit, DPS)))
        base = _eigsy_seconds(mlp.hessian(wide_arch, wide, fit.x, fit.y, DPS))
    rows.append(BenchRow("[1, 5, 1] zero-error fit + [1, 30, 1] embedding certified", ours, "s",
                         "eigsy of the [1, 30, 1] Hessian", base, detail=f"{c1.verdict}, {c2.verdict}",
                         peak_mib=mem["mib"], **_goal(2.0)))

    widths = (5, 10, 30) if quick else (5, 10, 30, 60, 100)
    eig_at = {}
    for H in widths:
        with peak_memory() as mem:
            wa, wp = _embedded(arch, params, H, rng)
            ours, c = _time(lambda: certify(wa, wp, fit, DPS))
            D = wa.n_params
            if D <= 91:
                eig_at[D] = _eigsy_seconds(mlp.hessian(wa, wp, fit.x, fit.y, DPS))
                base, how = eig_at[D], "measured"
            else:
                D0 = max(eig_at)
                base, how = eig_at[D0] * (D / D0) ** 3, f"extrapolated D^3 from D = {D0}"
        target = _goal(30.0, quick) if D == 301 else ({} if quick or D not in TODAY else
                                                      {"target": TODAY[D], "target_kind": "today"})
        rows.append(BenchRow(f"cost curve: [1, {H}, 1] (D = {D}) certified", ours, "s", f"eigsy ({how})", base,
                             detail=c.verdict, peak_mib=mem["mib"], **target))

    n_layers = (2, 10, 10, 1) if quick else (2, 30, 30, 1)
    with peak_memory() as mem:
        arch = Architecture(n_layers, "tanh")
        theta = [str(v) for v in rng.normal(size=arch.n_params)]
        x = [[str(v) for v in r] for r in rng.normal(size=(20, 2))]
        y = [[str(v)] for v in rng.normal(size=20)]
        with ball_precision(bits_for(DPS)):
            ours = _time(lambda: evaluate(arch, theta, x, y))[0]
        small = Architecture((2, 6, 6, 1), "tanh"), Architecture((2, 10, 10, 1), "tanh")
        t_small = []
        for s in small:
            th = Params.from_vector(s, [mpmath.mpf(v) for v in rng.normal(size=s.n_params)])
            t_small.append(_time(lambda: mlp.hessian(s, th, x, y, DPS))[0])
        growth = np.log(t_small[1] / t_small[0]) / np.log(small[1].n_params / small[0].n_params)
        base = t_small[1] * (arch.n_params / small[1].n_params) ** growth
    rows.append(BenchRow(f"dps-50 Hessian {list(n_layers)} (D = {arch.n_params}), 20 points, arb_mat", ours, "s",
                         f"object arrays (numerics.mlp), D^{growth:.2f} from D = {small[1].n_params}", base,
                         peak_mib=mem["mib"], **_goal(30.0, quick)))

    n = 200 if quick else 1000
    with peak_memory() as mem:
        A = rng.normal(size=(n, n))
        S = (A + A.T) / 2 + np.diag(np.linspace(-n, n, n))
        with ball_precision(bits_for(DPS)):
            Hb = arb_mat([[arb(float(v)) for v in row] for row in S])
            ours, proof = _time(lambda: certified_inertia(Hb))
        m = 60
        t60 = _eigsy_seconds(S[:m, :m])
        base = t60 * (n / m) ** 3
    rows.append(BenchRow(f"certified inertia {n} x {n} at dps 50", ours, "s", f"mpmath.eigsy, D^3 from {m}", base,
                         detail=f"{proof.negative} neg, {proof.positive} pos, {proof.undecided} undecided",
                         peak_mib=mem["mib"], **_goal(60.0, quick)))
    notes.append("certify = proofs_check.certified.certify.certify (ball arithmetic, Krawczyk, Gershgorin); the "
                 "numerical classifier additionally runs mpmath.eigsy on the whole Hessian")
    notes.append("measured while other jobs share the cores: compare the ratios")
    return [RowTable("certified verdicts and high precision at scale", tuple(rows), tuple(notes))]
