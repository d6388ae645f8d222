"""The one bridge from symbolic expressions to numbers: ``sympy.lambdify`` with mpmath.

Every function here returns a callable ``fn(params_vector, x, y)`` (D entries in the flat order,
``n x d`` inputs, ``n x M`` targets, anything mpmath can read: floats, decimal strings, mpf)
evaluating at mpmath's *current* precision; callers scope it (``numerics.precision.workdps``).
No numerics import here: the numeric side is the caller's.
"""

from __future__ import annotations

from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from theory.architecture import Architecture
from theory.symbolic import mlp


def _arguments(problem: mlp.Problem, params_vector, x, y) -> list:
    values = list(np.asarray(params_vector, dtype=object).reshape(-1))
    values += list(np.asarray(x, dtype=object).reshape(-1)) + list(np.asarray(y, dtype=object).reshape(-1))
    expected = len(problem.symbols)
    if len(values) != expected:
        raise ValueError(f"got {len(values)} numbers for {expected} symbols (theta, x, y)")
    return [mpmath.mpf(v) if isinstance(v, (str, int, float)) else v for v in values]


@lru_cache(maxsize=None)
def _compiled(arch: Architecture, n: int, what: str):
    p = mlp.problem(arch, n)
    expr = {"loss": mlp.loss, "gradient": mlp.gradient, "hessian": mlp.hessian}[what](arch, n)
    return sp.lambdify(p.symbols, expr, modules="mpmath", cse=True)


def _evaluate(arch: Architecture, what: str, params_vector, x, y):
    n = int(np.asarray(x, dtype=object).reshape(-1, arch.input_dim).shape[0])
    problem = mlp.problem(arch, n)
    out = _compiled(arch, n, what)(*_arguments(problem, params_vector, x, y))
    return out if what == "loss" else np.array(out, dtype=object)


def loss(arch: Architecture, params_vector, x, y):
    """L(theta; x, y) as an mpf at the current mpmath precision."""
    return _evaluate(arch, "loss", params_vector, x, y)


def gradient(arch: Architecture, params_vector, x, y) -> np.ndarray:
    """Gradient as a (D, 1) object array of mpf."""
    return _evaluate(arch, "gradient", params_vector, x, y)


def hessian(arch: Architecture, params_vector, x, y) -> np.ndarray:
    """Hessian as a (D, D) object array of mpf."""
    return _evaluate(arch, "hessian", params_vector, x, y)


def embedded_point(emb: mlp.Embedded, narrow_vector, extra_values) -> np.ndarray:
    """The wide parameter vector of the embedded point, evaluated with mpmath."""
    args = list(emb.narrow.theta) + list(emb.extra)
    fn = sp.lambdify(args, [emb.point[t] for t in emb.wide.theta], modules="mpmath")
    values = [mpmath.mpf(v) if isinstance(v, (str, int, float)) else v
              for v in list(np.asarray(narrow_vector, dtype=object).reshape(-1)) + list(extra_values)]
    return np.array(fn(*values), dtype=object)
