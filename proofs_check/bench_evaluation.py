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
from proofs_check.benchtable import BenchTable
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


def bench(quick: bool) -> list[BenchTable]:
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
        ours = _best(lambda: batched.gradient(arch, vecs, x, y), 3)
        loop = _best(lambda: [batched.gradient(arch, v[None], x, y) for v in vecs], 1)
        rows.append((f"float64 gradient, {batch} sets of {list(widths)}", f"{ours * 1e6 / batch:.1f} us/set",
                     "per-set loop", f"{loop * 1e6 / batch:.1f} us/set", f"{loop / ours:.1f}x"))
    for widths in [(1, 5, 1)] + ([] if quick else [(1, 10, 1)]):
        arch = Architecture(widths, "tanh")
        params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
        x = rng.normal(size=(10, 1))
        y = rng.normal(size=(10, 1))
        ours = _best(lambda: mlp.hessian(arch, params, x, y, dps=50), 2)
        base = _best(lambda: _fd_hessian(arch, params, x, y, 50), 1)
        rows.append((f"mpmath Hessian dps 50, {list(widths)}", f"{ours * 1e3:.0f} ms",
                     "central differences of mpmath gradients", f"{base * 1e3:.0f} ms", f"{base / ours:.1f}x"))
    return [BenchTable(
        "evaluation: exact derivatives",
        ("task", "ours", "baseline", "baseline time", "speed-up"),
        tuple(rows),
        ("speed-up = baseline time / our time, both measured in this run on this machine",),
    )]
