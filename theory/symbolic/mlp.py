"""Symbolic twins of :mod:`numerics.mlp`: the loss, gradient and Hessian of a concrete architecture.

The loss is built by :func:`theory.network.loss` (the one definition of the network) over sympy
symbols: parameters ``theta_0..theta_{D-1}`` in the flat order of :mod:`theory.params`, inputs
``x_{i,k}`` and targets ``y_{i,m}`` for ``n`` samples. ``gradient`` and ``hessian`` are
``sympy.diff`` of that loss. :func:`embedded` gives the same for the wide network produced by
an embedding with symbolic embedding parameters (lambda, w~0, b0, v0), together with the map
from narrow symbols to the embedded point. Results are cached per (architecture, n, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from theory import network
from theory.architecture import Architecture
from theory.embeddings import add_inactive_propagation, add_inactive_unit, replicate
from theory.errors import InvalidInput
from theory.params import Params

METHODS = ("replication", "inactive-unit", "inactive-propagation")


@dataclass(frozen=True)
class Problem:
    """Symbols and the symbolic loss of one architecture on ``n`` symbolic samples.

    Attributes:
        arch: the architecture.
        theta: the D parameter symbols, flat order.
        x: inputs, ``n x d`` object array of symbols.
        y: targets, ``n x M`` object array of symbols.
        loss: ``L = sum_i 1/2 ||f(x_i) - y_i||^2`` as a sympy expression.
    """

    arch: Architecture
    theta: tuple
    x: np.ndarray
    y: np.ndarray
    loss: sp.Expr

    @property
    def symbols(self) -> tuple:
        """Argument order of every lambdified function: theta, then x row-major, then y."""
        return tuple(self.theta) + tuple(self.x.reshape(-1)) + tuple(self.y.reshape(-1))


def _data_symbols(arch: Architecture, n: int):
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidInput(f"n = {n!r} samples; give a positive integer")
    x = np.array([[sp.Symbol(f"x_{i}_{k}", real=True) for k in range(arch.input_dim)] for i in range(n)], dtype=object)
    y = np.array([[sp.Symbol(f"y_{i}_{m}", real=True) for m in range(arch.output_dim)] for i in range(n)], dtype=object)
    return x, y


@lru_cache(maxsize=None)
def problem(arch: Architecture, n: int) -> Problem:
    """The symbolic loss of ``arch`` on ``n`` symbolic samples."""
    theta = tuple(sp.Symbol(f"theta_{k}", real=True) for k in range(arch.n_params))
    x, y = _data_symbols(arch, n)
    params = Params.from_vector(arch, np.array(theta, dtype=object))
    return Problem(arch, theta, x, y, sp.expand(network.loss(arch, params, x, y), deep=False))


def loss(arch: Architecture, n: int) -> sp.Expr:
    """Symbolic L(theta; x, y) (see :class:`Problem` for the symbols)."""
    return problem(arch, n).loss


@lru_cache(maxsize=None)
def gradient(arch: Architecture, n: int) -> sp.Matrix:
    """Symbolic gradient (D x 1), ``sympy.diff`` of :func:`loss`, flat order."""
    p = problem(arch, n)
    return sp.Matrix([sp.diff(p.loss, t) for t in p.theta])


@lru_cache(maxsize=None)
def hessian(arch: Architecture, n: int) -> sp.Matrix:
    """Symbolic Hessian (D x D) from the gradient's derivatives (symmetric by construction)."""
    p = problem(arch, n)
    g = gradient(arch, n)
    D = len(p.theta)
    H = sp.zeros(D, D)
    for i in range(D):
        for j in range(i, D):
            H[i, j] = H[j, i] = sp.diff(g[i], p.theta[j])
    return H


@dataclass(frozen=True)
class Embedded:
    """A wide problem plus the embedded point as expressions of the narrow symbols.

    Attributes:
        narrow: the narrow :class:`Problem` (its x, y symbols are shared).
        wide: the wide :class:`Problem`.
        extra: the embedding's own symbols (lambda; w~0; b0 and v0).
        point: wide theta symbol -> expression in narrow theta and ``extra``.
    """

    narrow: Problem
    wide: Problem
    extra: tuple
    point: dict


@lru_cache(maxsize=None)
def embedded(arch: Architecture, n: int, method: str, layer: int = 0, unit: int = 0) -> Embedded:
    """Embed ``arch`` symbolically (``method`` one of :data:`METHODS`) and return both problems."""
    if method not in METHODS:
        raise InvalidInput(f"method {method!r} is not known; use one of {', '.join(METHODS)}")
    narrow = problem(arch, n)
    params = Params.from_vector(arch, np.array(narrow.theta, dtype=object))
    if method == "replication":
        extra = (sp.Symbol("lambda", real=True),)
        wide_arch, wide_params = replicate(arch, params, layer, unit, extra[0])
    elif method == "inactive-unit":
        extra = tuple(sp.Symbol(f"w0_{k}", real=True) for k in range(arch.incoming_size(layer)))
        wide_arch, wide_params = add_inactive_unit(arch, params, layer, np.array(extra, dtype=object))
    else:
        b0 = sp.Symbol("b0", real=True)
        v0 = tuple(sp.Symbol(f"v0_{k}", real=True) for k in range(arch.outgoing_size(layer)))
        extra = (b0,) + v0
        wide_arch, wide_params = add_inactive_propagation(arch, params, layer, b0, np.array(v0, dtype=object))
    wide_theta = tuple(sp.Symbol(f"Theta_{k}", real=True) for k in range(wide_arch.n_params))
    wide_params_sym = Params.from_vector(wide_arch, np.array(wide_theta, dtype=object))
    wide_loss = sp.expand(network.loss(wide_arch, wide_params_sym, narrow.x, narrow.y), deep=False)
    wide = Problem(wide_arch, wide_theta, narrow.x, narrow.y, wide_loss)
    point = dict(zip(wide_theta, wide_params.to_vector()))
    return Embedded(narrow, wide, extra, point)
