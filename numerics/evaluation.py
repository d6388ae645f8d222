"""One evaluation of a point: every quantity of (arch, params, data, dps) from one sweep.

:func:`evaluate` converts the parameters and the data once into mpmath numbers at ``dps + GUARD``
digits, runs the forward pass once and backpropagation once (:mod:`numerics.backprop`), and keeps
what they produce: the pre-activations ``z(l)``, the layer inputs ``h(l)``, the signals
``delta(l)``, the residuals, the loss and the gradient. The Hessian (forward-over-reverse, exact)
is computed on first use from the stored forward values, so it costs no second forward pass, and
is kept. Consumers that need several of these quantities at one point (classification, structure
detection, the per-unit blocks, the checks) take an :class:`Evaluation` instead of recomputing
them; see ``docs/network.md`` for the formulas and the flat order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import mpmath
import numpy as np

from numerics import backprop
from numerics.mlp import mp_data, sum_of_squares
from numerics.precision import to_mp_array, workdps
from theory.architecture import Architecture
from theory.params import Params


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything one sweep computes at one point, all mpf at ``dps + GUARD`` digits.

    Fields (n data, l = 0 .. K-1 weight layers):
        arch, dps: the network and the working precision.
        params: the parameters as mpmath numbers (read exactly from the input).
        x, y: n x d inputs and n x M targets (mpf); ``y`` is None for a forward-only evaluation.
        pre_activations: ``z(l)``, n x widths[l+1]; the last one is the output f(x).
        layer_inputs: ``h(l)``, n x widths[l] (``h(0) = x``, ``h(l+1) = phi(z(l))``).
        signals: ``delta(l) = dl_i / dz(l)``, n x widths[l+1] (None without targets).
        residuals: f(x_i) - y_i, n x M (None without targets).
        loss: L = sum_i 1/2 ||f(x_i) - y_i||^2 (None without targets).
        gradient: dL/dtheta, (D,) in the flat order (None without targets).
    ``hessian`` (D x D) is computed on first access and kept.
    """

    arch: Architecture
    params: Params
    x: np.ndarray
    y: np.ndarray | None
    dps: int
    pre_activations: tuple
    layer_inputs: tuple
    signals: tuple | None
    residuals: np.ndarray | None
    loss: object
    gradient: np.ndarray | None
    _layers: backprop.Layers

    @cached_property
    def hessian(self) -> np.ndarray:
        """The exact Hessian (D x D, mpf) from the stored forward values (no new forward pass)."""
        if self.y is None:
            raise ValueError("a forward-only Evaluation (no targets) has no Hessian")
        with workdps(self.dps):
            batch = tuple(z[None] for z in self.pre_activations), tuple(h[None] for h in self.layer_inputs)
            return backprop.gradient_and_hessian(self.arch, self._layers, self.x, self.y,
                                                 forward_values=batch)[1][0]

    @cached_property
    def gradient_norm(self):
        """||grad L|| (mpf)."""
        with workdps(self.dps):
            return mpmath.sqrt(sum_of_squares(self.gradient))

    @property
    def vector(self) -> np.ndarray:
        """The parameters as a flat (D,) object vector of mpf."""
        return self.params.to_vector()

    def hidden(self, layer: int) -> np.ndarray:
        """Outputs of hidden layer ``layer`` (0-based), n x widths[layer+1]: h(layer+1)."""
        return self.layer_inputs[layer + 1]


def evaluate(arch: Architecture, params: Params, x, y=None, dps: int = 50) -> Evaluation:
    """The :class:`Evaluation` of ``params`` on the data (x, y) at ``dps`` digits.

    Arguments:
        arch, params: the network; parameters of any number type (read exactly).
        x: n x d inputs; y: n x M targets, or None for a forward-only evaluation (no signals,
            loss or gradient).
        dps: working precision in significant digits (``GUARD`` digits are added).
    Returns:
        Evaluation: one forward pass and (with targets) one backward pass; the Hessian on demand.
    """
    with workdps(dps):
        vec = to_mp_array(params.to_vector())
        layers = backprop.layers(arch, vec.reshape(1, -1))
        xs, ys = mp_data(arch, x, y)
        zs, hs = backprop.forward(arch, layers, xs)
        if ys is None:
            signals = residuals = loss = grad = None
        else:
            deltas, g = backprop.backward(arch, layers, zs, hs, ys)
            signals = tuple(d[0] for d in deltas)
            residuals = zs[-1][0] - ys
            loss = sum_of_squares(residuals) / 2
            grad = g[0]
        return Evaluation(arch, Params.from_vector(arch, vec), xs, ys, int(dps), tuple(z[0] for z in zs),
                          tuple(np.asarray(h[0]) for h in hs), signals, residuals, loss, grad, layers)



class Evaluations:
    """The evaluations of several points on one data set at one precision, each computed once.

    ``at(arch, params)`` returns the :class:`Evaluation` of that parameter object, computing it on
    first request (a point is recognised by the identity of its ``Params`` object, which the
    cache keeps alive). Classification passes one cache through the reduction steps so that every
    stage network is evaluated once, whichever steps need it (docs/classification.md)."""

    def __init__(self, x, y, dps: int, *known: Evaluation):
        self.x, self.y, self.dps = x, y, int(dps)
        self._cache = {}
        for ev in known:
            self.add(ev)

    def add(self, ev: Evaluation, params: Params | None = None) -> Evaluation:
        """Record ``ev`` as the evaluation of ``params`` (default ``ev.params``)."""
        key = ev.params if params is None else params
        self._cache[id(key)] = (key, ev)
        return ev

    def at(self, arch: Architecture, params: Params) -> Evaluation:
        """The evaluation of ``params`` (computed now if this cache has not seen it)."""
        hit = self._cache.get(id(params))
        if hit is not None and hit[0] is params and hit[1].arch == arch:
            return hit[1]
        return self.add(evaluate(arch, params, self.x, self.y, self.dps), params)
