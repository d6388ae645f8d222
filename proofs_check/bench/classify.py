"""`semiflat bench` section "classify": classification at scale (docs/classification.md "Eigenvalues at scale").

Rows: ``classify`` and ``classify --certify`` of [1, H, 1] inactive-unit embeddings of a tanh
[1, 5, 1] zero-error fit (the builders of :mod:`proofs_check.bench.certify`), D = 16 .. 301
(target <= 30 s at D = 301). Baseline: the same classification with ``mpmath.eigsy`` on the whole
Hessian instead of the refined decomposition (:mod:`proofs_check.landscape.refined_eigen`): the time of
classify minus its refined decomposition plus eigsy of the same Hessian, measured where eigsy
finishes in reasonable time (D <= 91) and extrapolated by its measured O(D^3) beyond.
"""

from __future__ import annotations

import numpy as np

from numerics import mlp
from proofs_check.bench.certify import DPS, _eigsy_seconds, _embedded, _time, _zero_fit
from proofs_check.bench.table import BenchRow, RowTable, peak_memory
from proofs_check.landscape.classify import classify
from proofs_check.landscape.refined_eigen import refined_eigen

TITLE = "classify"
EIGSY_LIMIT = 91
"""Largest D at which the eigsy baseline is measured (beyond: D^3 from the largest measured D)."""


def bench(quick: bool) -> list[RowTable]:
    """The classification-at-scale table (module docstring); ``quick`` stops at D = 31."""
    rng = np.random.default_rng(0)
    arch, params, fit = _zero_fit(rng)
    widths = (5, 10) if quick else (5, 10, 30, 60, 100)
    rows, eigsy_at = [], {}
    for H in widths:
        wa, wp = _embedded(arch, params, H, rng)
        D = wa.n_params
        with peak_memory() as mem:
            ours, _ = _time(lambda: classify(wa, wp, fit, dps=DPS))
            proved, certified = _time(lambda: classify(wa, wp, fit, dps=DPS, certify=True))
            hessian = mlp.hessian(wa, wp, fit.x, fit.y, DPS)
            refined, eig = _time(lambda: refined_eigen(hessian, DPS))
            if D <= EIGSY_LIMIT:
                eigsy_at[D] = _eigsy_seconds(hessian)
                eigsy, how = eigsy_at[D], "measured"
            else:
                D0 = max(eigsy_at)
                eigsy, how = eigsy_at[D0] * (D / D0) ** 3, f"extrapolated by D^3 from D = {D0}"
        base = ours - refined + eigsy
        what = "zero-error fit" if H == arch.widths[1] else "zero-error embedding"
        goal = {"target": 30.0, "target_kind": "goal"} if D == 301 and not quick else {}
        rows.append(BenchRow(f"[1, {H}, 1] (D = {D}) {what}: classify", ours, "s",
                             f"classify with mpmath.eigsy ({how})", base, detail=f"{certified.verdict.value} with --certify",
                             peak_mib=mem["mib"], **goal))
        rows.append(BenchRow(f"[1, {H}, 1] (D = {D}): classify --certify", proved, "s",
                             f"classify with mpmath.eigsy ({how})", base, peak_mib=mem["mib"], **goal))
        rows.append(BenchRow(f"[1, {H}, 1] (D = {D}): the D x D eigen-decomposition", refined, "s",
                             f"mpmath.eigsy ({how})", eigsy, detail=eig.method, peak_mib=mem["mib"]))
    notes = ("classify = proofs_check.landscape.classify.classify at dps 50: one evaluation of the point, the "
             "refined eigen-decomposition (float64 guidance, arb_mat refinement, proved error bound), "
             "structure, steps, certificate of the zero of the residual",)
    return [RowTable("classification at scale", tuple(rows), notes)]
