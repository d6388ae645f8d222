"""`semiflat bench` section "evaluation": exact derivatives, ours vs a named baseline in the same run.

- float64 gradients of many parameter sets: one batched call (numerics.batched) vs a Python loop
  over the same sets (one numerics.batched call per set), the way a per-problem code would run.
- mpmath Hessian at dps 50: one forward-over-reverse sweep (numerics.mlp.hessian) vs the central
  difference of exact mpmath gradients (2 D gradient evaluations).
"""

from __future__ import annotations

import time

import numpy as np

from numerics import batched, mlp
from numerics.derivative_check import central_differences
from proofs_check.bench.table import BenchRow, RowTable, peak_memory
from theory import Architecture, Params

TITLE = "evaluation"


def _best(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _fd_hessian(arch, params, x, y, dps):
    """The baseline: central differences of exact mpmath gradients (2 D gradient evaluations)."""
    return central_differences(lambda v: mlp.gradient(arch, Params.from_vector(arch, v), x, y, dps),
                               params.to_vector(), dps, dps // 3)


TODAY = {
    "gradient (1, 5, 1)": 6.3e-6,
    "hessian (1, 5, 1)": 0.037,
    "hessian (1, 10, 1)": 0.128,
}
"""Figures README publishes for these rows (full size, quiet 2-core machine): the targets."""


def bench(quick: bool) -> list[RowTable]:
    """One benchmark table for exact derivatives: batched float64 gradients vs a per-set loop, and
    mpmath Hessians at dps 50 vs central differences of mpmath gradients (smaller sizes when ``quick``).
    """
    rng = np.random.default_rng(0)
    rows = []
    batch = 200 if quick else 2000
    for widths in [(1, 5, 1), (2, 8, 3)]:
        arch = Architecture(widths, "tanh")
        vecs = rng.normal(size=(batch, arch.n_params))
        x = rng.normal(size=(10, widths[0]))
        y = rng.normal(size=(10, widths[-1]))
        with peak_memory() as mem:
            ours = _best(lambda: batched.gradient(arch, vecs, x, y), 3)
            loop = _best(lambda: [batched.gradient(arch, v[None], x, y) for v in vecs], 1)
        rows.append(BenchRow(f"float64 gradient, {batch} sets of {list(widths)}", ours / batch, "s per set",
                             "per-set loop (one batched call per set)", loop / batch, detail="best of 3 (loop: 1)",
                             peak_mib=mem["mib"], **_target(f"gradient {widths}", quick)))
    for widths in [(1, 5, 1)] + ([] if quick else [(1, 10, 1)]):
        arch = Architecture(widths, "tanh")
        params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
        x = rng.normal(size=(10, 1))
        y = rng.normal(size=(10, 1))
        with peak_memory() as mem:
            ours = _best(lambda: mlp.hessian(arch, params, x, y, dps=50), 2)
            base = _best(lambda: _fd_hessian(arch, params, x, y, 50), 1)
        rows.append(BenchRow(f"mpmath Hessian dps 50, {list(widths)}", ours, "s",
                             "central differences of mpmath gradients (2 D gradients)", base,
                             detail="best of 2 (baseline: 1)", peak_mib=mem["mib"],
                             **_target(f"hessian {widths}", quick)))
    return [RowTable(
        "evaluation: exact derivatives",
        tuple(rows),
        ("ratio = our figure / the baseline's, both measured in this run on this machine",),
    )]


def _target(key: str, quick: bool) -> dict:
    if quick or key not in TODAY:
        return {}
    return {"target": TODAY[key], "target_kind": "today"}
