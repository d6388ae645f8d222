"""Public hypothesis strategies: architectures, parameters, data sets, embeddings, critical points.

Use them to write your own property tests (spec theory.md §5, interfaces.md "Python API")::

    from hypothesis import given
    from proofs_check import strategies as sf

    @given(sf.networks(), sf.lambdas())
    def test_replication_preserves_the_function(net, lam):
        arch, params = net
        ...

Every strategy draws plain float64 numbers (bounded, no NaN/inf/subnormals) unless told
otherwise, so examples shrink towards simple values (zeros, width 1, two weight layers).
``critical_points`` builds exact critical points with non-zero loss by the null-space method
(:mod:`proofs_check.critical_points`, spec §5.0).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics.dataset import Dataset
from proofs_check.critical_points import exact_critical_point, min_samples
from theory.activations import ACTIVATION_NAMES, PAPER_ACTIVATION_NAMES
from theory.architecture import Architecture
from theory.embeddings import add_inactive_propagation, add_inactive_unit, replicate
from theory.params import Params

__all__ = [
    "ACTIVATION_NAMES",
    "EmbeddingStep",
    "apply_steps",
    "architectures",
    "critical_points",
    "datasets",
    "embedding_steps",
    "hidden_units",
    "incoming_vectors",
    "lambdas",
    "networks",
    "params",
    "reals",
]


def reals(bound: float = 1.0, tiny: float = 1e-6) -> st.SearchStrategy[float]:
    """Floats in [-bound, bound] without NaN or infinities; magnitudes below ``tiny`` become 0.

    Snapping tiny values to 0 keeps products of draws far from float64 underflow, so float64
    and mpmath evaluations see the same signs (and the same ReLU patterns)."""
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False).map(
        lambda v: 0.0 if abs(v) < tiny else v)


@st.composite
def architectures(draw, min_layers: int = 2, max_layers: int = 4, max_width: int = 4,
                  activations=PAPER_ACTIVATION_NAMES, bias: bool | None = None, min_width: int = 1,
                  max_output: int | None = None) -> Architecture:
    """Architectures with ``min_layers..max_layers`` weight layers (so at least one hidden layer
    when ``min_layers >= 2``), widths in ``min_width..max_width``, an activation from
    ``activations`` and ``bias`` (drawn when ``None``). ``max_output`` caps M separately.
    ``activations`` may hold any activation name (built-ins, ``leaky_relu:A``, ``poly:...``,
    ``expr:...``); the default is the six the invariant tests gate kinks for (ReLU only);
    pass :data:`theory.activations.EXAMPLES` to draw every kind (docs/activations.md)."""
    K = draw(st.integers(min_layers, max_layers))
    widths = [draw(st.integers(min_width, max_width)) for _ in range(K + 1)]
    if max_output is not None:
        widths[-1] = min(widths[-1], max_output)
    activation = draw(st.sampled_from(tuple(activations)))
    has_bias = draw(st.booleans()) if bias is None else bias
    return Architecture(tuple(widths), activation, has_bias)


def _to_dtype(values, dtype):
    if dtype == "float":
        return np.asarray(values, dtype=float)
    if dtype == "mpf":
        return np.array([mpmath.mpf(v) for v in values], dtype=object)  # floats convert exactly
    raise ValueError(f"dtype must be 'float' or 'mpf', got {dtype!r}")


@st.composite
def params(draw, arch: Architecture, scale: float = 2.0, dtype: str = "float") -> Params:
    """Parameters for ``arch`` with entries in [-scale, scale]; ``dtype`` "float" (float64
    arrays) or "mpf" (object arrays of mpmath numbers equal to the drawn floats)."""
    values = draw(st.lists(reals(scale), min_size=arch.n_params, max_size=arch.n_params))
    kind = float if dtype == "float" else object
    return Params.from_vector(arch, _to_dtype(values, dtype), dtype=kind)


@st.composite
def datasets(draw, arch: Architecture, min_n: int = 1, max_n: int = 8, scale: float = 2.0) -> Dataset:
    """Inputs (n x d) and targets (n x M) in [-scale, scale], ``min_n <= n <= max_n``."""
    n = draw(st.integers(min_n, max_n))
    d, M = arch.input_dim, arch.output_dim
    x = draw(st.lists(reals(scale), min_size=n * d, max_size=n * d))
    y = draw(st.lists(reals(scale), min_size=n * M, max_size=n * M))
    return Dataset(np.array(x).reshape(n, d), np.array(y).reshape(n, M))


@st.composite
def networks(draw, scale: float = 2.0, dtype: str = "float", **arch_options) -> tuple[Architecture, Params]:
    """``(arch, params)``; keyword options go to :func:`architectures`."""
    arch = draw(architectures(**arch_options))
    return arch, draw(params(arch, scale=scale, dtype=dtype))


def lambdas(bound: float = 3.0) -> st.SearchStrategy[float]:
    """Split ratios in [-bound, bound], with the edge cases 0, 1 and 1/2 drawn often."""
    return st.one_of(st.sampled_from([0.0, 1.0, 0.5]), reals(bound))


@st.composite
def hidden_units(draw, arch: Architecture) -> tuple[int, int]:
    """``(layer, unit)``: a hidden layer (0-based) and a unit of it."""
    layer = draw(st.integers(0, arch.n_hidden_layers - 1))
    return layer, draw(st.integers(0, arch.widths[layer + 1] - 1))


@st.composite
def incoming_vectors(draw, arch: Architecture, layer: int, scale: float = 2.0) -> np.ndarray:
    """An augmented incoming vector w~0 for a new unit of hidden layer ``layer``."""
    size = arch.incoming_size(layer)
    return np.array(draw(st.lists(reals(scale), min_size=size, max_size=size)), dtype=float)


@dataclass(frozen=True)
class EmbeddingStep:
    """One embedding, described independently of the (growing) architecture.

    ``layer_pick`` and ``unit_pick`` are reduced modulo the current number of hidden layers /
    units; ``vector`` is cut or cycled to the needed length (w~0 for inactive units, v0 for
    inactive propagation); ``lam`` is the split ratio and ``b0`` the propagated bias."""

    method: str
    layer_pick: int
    unit_pick: int
    lam: float
    b0: float
    vector: tuple[float, ...]

    def apply(self, arch: Architecture, p: Params) -> tuple[Architecture, Params]:
        """Apply the step. With mpmath parameters every number is converted to mpf first, so
        the step is carried out at the caller's mpmath precision (call inside ``workdps``)."""
        num = mpmath.mpf if p.W[0].dtype == object else float
        layer = self.layer_pick % arch.n_hidden_layers
        if self.method == "replication":
            return replicate(arch, p, layer, self.unit_pick % arch.widths[layer + 1], num(self.lam))
        if self.method == "inactive-unit":
            return add_inactive_unit(arch, p, layer, _cycled(self.vector, arch.incoming_size(layer), num))
        b0 = num(self.b0 if arch.bias else 0.0)
        return add_inactive_propagation(arch, p, layer, b0, _cycled(self.vector, arch.outgoing_size(layer), num))


def _cycled(vector, size, num=float):
    return np.array([num(vector[k % len(vector)]) for k in range(size)], dtype=object if num is not float else float)


@st.composite
def embedding_steps(draw, arch: Architecture | None = None, min_steps: int = 1, max_steps: int = 10,
                    methods=("replication", "inactive-unit", "inactive-propagation"),
                    scale: float = 2.0) -> list[EmbeddingStep]:
    """A list of embedding steps (compose them with :func:`apply_steps`).

    When ``arch`` has no bias and an activation with phi(0) != 0, inactive propagation is left
    out (it needs the next layer's bias to cancel phi(b0))."""
    allowed = tuple(methods)
    if arch is not None and not arch.bias and not arch.phi.vanishes_at_zero:
        allowed = tuple(m for m in allowed if m != "inactive-propagation") or ("replication",)
    k = draw(st.integers(min_steps, max_steps))
    steps = []
    for _ in range(k):
        steps.append(EmbeddingStep(
            method=draw(st.sampled_from(allowed)),
            layer_pick=draw(st.integers(0, 7)),
            unit_pick=draw(st.integers(0, 7)),
            lam=draw(lambdas()),
            b0=draw(reals(scale)),
            vector=tuple(draw(st.lists(reals(scale), min_size=1, max_size=5))),
        ))
    return steps


def apply_steps(arch: Architecture, p: Params, steps) -> tuple[Architecture, Params]:
    """Apply embedding steps in order; returns the wide ``(arch, params)``."""
    for step in steps:
        arch, p = step.apply(arch, p)
    return arch, p


@st.composite
def critical_points(draw, arch: Architecture | None = None, dps: int = 30, scale: float = 1.5,
                    extra_samples: int = 2, **arch_options) -> tuple[Architecture, Params, Dataset]:
    """``(arch, params, data)`` with grad L(params) = 0 to ``dps`` digits and L > 0 (spec §5.0).

    Parameters and inputs are drawn, then the targets are set to f(X) - e with e in the left
    null space of the output Jacobian (n M > D samples: :func:`min_samples` plus up to
    ``extra_samples``). Without ``arch``, an architecture is drawn with ``arch_options``
    (default: at most 3 weight layers of width <= 3, to keep D small)."""
    if arch is None:
        options = {"max_layers": 3, "max_width": 3}
        options.update(arch_options)
        arch = draw(architectures(**options))
    p = draw(params(arch, scale=scale))
    n = min_samples(arch) + draw(st.integers(0, extra_samples))
    d = arch.input_dim
    x = np.array(draw(st.lists(reals(scale), min_size=n * d, max_size=n * d))).reshape(n, d)
    seed = draw(st.integers(0, 2**31 - 1))
    point = exact_critical_point(arch, p, x, dps=dps, seed=seed)
    return arch, p, point.data
