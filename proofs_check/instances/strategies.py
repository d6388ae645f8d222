"""Public hypothesis strategies: architectures, parameters, data sets, embeddings, critical points.

Use them to write your own property tests (docs/properties.md has three complete ones)::

    from hypothesis import given
    from proofs_check.instances import strategies as sf
    @given(sf.networks(), sf.lambdas())
    def test_replication_preserves_the_function(net, lam):
        arch, params = net
        ...

Every strategy draws plain float64 numbers (bounded, no NaN/inf/subnormals) unless told
otherwise, so examples shrink towards simple values (zeros, width 1, two weight layers).
``mp_reals`` and ``params(..., dtype="mpf", dps=D)`` draw numbers with D significant digits
instead. ``critical_points`` builds exact critical points with non-zero loss by the null-space
method (:mod:`proofs_check.instances.critical_points`, docs/invariants.md) and returns mpf parameters, like
its data. Activation constants and :func:`activations` follow the registry of
:mod:`theory.activations`, so activations added there are drawn too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics.dataset import Dataset
from proofs_check.instances.critical_points import exact_critical_point, min_samples
from numerics.precision import to_mp_params, workdps
from theory.activations import ACTIVATION_NAMES, PAPER_ACTIVATION_NAMES, get_activation
from theory.architecture import Architecture
from theory.embeddings import add_inactive_propagation, add_inactive_unit, replicate
from theory.params import Params

__all__ = [
    "ACTIVATION_NAMES",
    "PIECEWISE_LINEAR_ACTIVATIONS",
    "SMOOTH_ACTIVATIONS",
    "EmbeddingStep",
    "activations",
    "deep_networks",
    "mp_reals",
    "network_units",
    "networks_with_data",
    "permutations",
    "permute",
    "real_lists",
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


@lru_cache(maxsize=None)
def reals(bound: float = 1.0, tiny: float = 1e-6) -> st.SearchStrategy[float]:
    """Floats in [-bound, bound] without NaN or infinities; magnitudes below ``tiny`` become 0.

    Snapping tiny values to 0 keeps products of draws far from float64 underflow, so float64
    and mpmath evaluations see the same signs (and the same ReLU patterns).

    >>> all(-2 <= v <= 2 for v in (reals(2.0).example() for _ in range(5)))
    True
    """
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False).map(
        lambda v: 0.0 if abs(v) < tiny else v)


@lru_cache(maxsize=None)
def real_lists(size: int, bound: float = 1.0) -> st.SearchStrategy[list]:
    """Lists of exactly ``size`` :func:`reals` in [-bound, bound] (built once per size and bound).

    >>> real_lists(3, 2.0).example().__len__()
    3
    """
    return st.lists(reals(bound), min_size=size, max_size=size)


@st.composite
def architectures(draw, min_layers: int = 2, max_layers: int = 4, max_width: int = 4,
                  activations=PAPER_ACTIVATION_NAMES, bias: bool | None = None, min_width: int = 1,
                  max_output: int | None = None) -> Architecture:
    """Architectures with ``min_layers..max_layers`` weight layers (so at least one hidden layer
    when ``min_layers >= 2``), widths in ``min_width..max_width``, an activation from
    ``activations`` and ``bias`` (drawn when ``None``). ``max_output`` caps M separately.
    ``activations`` may hold any activation name (built-ins, ``leaky_relu:A``, ``poly:...``,
    ``expr:...``); the default is the six the invariant tests gate kinks for (ReLU only);
    pass :data:`theory.activations.EXAMPLES` to draw every kind (docs/activations.md).

    >>> arch = architectures(min_layers=3, max_layers=3, max_width=2, bias=False).example()
    >>> len(arch.widths), max(arch.widths) <= 2, arch.bias
    (4, True, False)
    """
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
def params(draw, arch: Architecture, scale: float = 2.0, dtype: str = "float", dps: int | None = None) -> Params:
    """Parameters for ``arch`` with entries in [-scale, scale]; ``dtype`` "float" (float64
    arrays) or "mpf" (object arrays of mpmath numbers: equal to drawn floats, or with ``dps``
    given, numbers of ``dps`` significant digits from :func:`mp_reals`).

    >>> arch = Architecture((1, 2, 1), "tanh")
    >>> p = params(arch, dtype="mpf", dps=40).example()
    >>> p.W[0].dtype == object and len(p.to_vector()) == arch.n_params
    True
    """
    if dps is not None:
        if dtype != "mpf":
            raise ValueError(f"dps={dps} needs dtype='mpf', got dtype={dtype!r}")
        values = draw(st.lists(mp_reals(scale, dps), min_size=arch.n_params, max_size=arch.n_params))
        return Params.from_vector(arch, np.array(values, dtype=object), dtype=object)
    values = draw(real_lists(arch.n_params, scale))
    kind = float if dtype == "float" else object
    return Params.from_vector(arch, _to_dtype(values, dtype), dtype=kind)


@lru_cache(maxsize=None)
def mp_reals(bound: float = 1.0, dps: int = 50) -> st.SearchStrategy:
    """mpmath numbers k / 10^dps * bound in [-bound, bound] with ``dps`` significant digits
    (not representable in float64); use them inside ``numerics.precision.workdps(dps)``.

    >>> v = mp_reals(1.0, 40).example()
    >>> isinstance(v, mpmath.mpf) and abs(v) <= 1
    True
    """
    top = 10 ** int(dps)

    def build(k):
        with workdps(dps):
            return mpmath.mpf(k) / top * mpmath.mpf(bound)

    return st.integers(-top, top).map(build)


@st.composite
def datasets(draw, arch: Architecture, min_n: int = 1, max_n: int = 8, scale: float = 2.0) -> Dataset:
    """Inputs (n x d) and targets (n x M) in [-scale, scale], ``min_n <= n <= max_n``.

    >>> data = datasets(Architecture((2, 3, 1), "relu"), min_n=4, max_n=4).example()
    >>> data.x.shape, data.y.shape
    ((4, 2), (4, 1))
    """
    n = draw(st.integers(min_n, max_n))
    d, M = arch.input_dim, arch.output_dim
    x = draw(real_lists(n * d, scale))
    y = draw(real_lists(n * M, scale))
    return Dataset(np.array(x).reshape(n, d), np.array(y).reshape(n, M))


@st.composite
def networks(draw, scale: float = 2.0, dtype: str = "float", dps: int | None = None,
             **arch_options) -> tuple[Architecture, Params]:
    """``(arch, params)``; keyword options go to :func:`architectures`, ``dtype`` and ``dps`` to
    :func:`params`.

    >>> arch, p = networks(activations=SMOOTH_ACTIVATIONS, max_width=2).example()
    >>> arch.phi.smooth and max(arch.widths) <= 2
    True
    """
    arch = draw(architectures(**arch_options))
    return arch, draw(params(arch, scale=scale, dtype=dtype, dps=dps))


@st.composite
def networks_with_data(draw, min_n: int = 1, max_n: int = 8, scale: float = 2.0, dtype: str = "float",
                       dps: int | None = None, **arch_options) -> tuple[Architecture, Params, Dataset]:
    """``(arch, params, data)``: a network and a data set that fits it (options as in
    :func:`networks` and :func:`datasets`).

    >>> arch, p, data = networks_with_data(max_n=3).example()
    >>> data.input_dim == arch.input_dim and data.n <= 3
    True
    """
    arch, p = draw(networks(scale=scale, dtype=dtype, dps=dps, **arch_options))
    return arch, p, draw(datasets(arch, min_n=min_n, max_n=max_n, scale=scale))


def deep_networks(min_hidden: int = 2, max_hidden: int = 4, max_width: int = 3, **options):
    """Networks with ``min_hidden..max_hidden`` hidden layers (depth K = hidden + 1 weight
    layers); other options as in :func:`networks`.

    >>> arch, _ = deep_networks(min_hidden=3, max_hidden=3).example()
    >>> arch.n_hidden_layers
    3
    """
    return networks(min_layers=min_hidden + 1, max_layers=max_hidden + 1, max_width=max_width, **options)


@st.composite
def network_units(draw, **options) -> tuple[Architecture, Params, tuple[int, int]]:
    """``(arch, params, (layer, unit))``: a network and one of its hidden units, without
    ``st.data()`` (options as in :func:`networks`).

    >>> arch, p, (layer, unit) = network_units().example()
    >>> 0 <= unit < arch.widths[layer + 1]
    True
    """
    arch, p = draw(networks(**options))
    return arch, p, draw(hidden_units(arch))


@st.composite
def permutations(draw, arch: Architecture) -> tuple[tuple[int, ...], ...]:
    """One permutation of the units of every hidden layer of ``arch`` (apply with :func:`permute`);
    permuting hidden units leaves the network function unchanged.

    >>> arch = Architecture((1, 3, 2, 1), "tanh")
    >>> perm = permutations(arch).example()
    >>> [sorted(p) for p in perm]
    [[0, 1, 2], [0, 1]]
    """
    return tuple(tuple(draw(st.permutations(range(arch.widths[l + 1])))) for l in range(arch.n_hidden_layers))


def permute(arch: Architecture, p: Params, perm) -> Params:
    """The parameters of the network whose hidden layer ``l`` has its units reordered by
    ``perm[l]`` (new unit k is old unit ``perm[l][k]``: incoming rows, biases, outgoing columns).

    >>> arch = Architecture((1, 2, 1), "tanh", bias=False)
    >>> q = permute(arch, Params.from_vector(arch, [1.0, 2.0, 3.0, 4.0], dtype=float), ((1, 0),))
    >>> [float(v) for v in q.to_vector()]
    [2.0, 1.0, 4.0, 3.0]
    """
    W = [np.array(w, copy=True) for w in p.W]
    b = None if p.b is None else [np.array(v, copy=True) for v in p.b]
    for l, order in enumerate(perm):
        order = list(order)
        W[l] = W[l][order, :]
        W[l + 1] = W[l + 1][:, order]
        if b is not None:
            b[l] = b[l][order]
    return Params.build(arch, W, b, dtype=p.W[0].dtype)


SMOOTH_ACTIVATIONS: tuple[str, ...] = tuple(n for n in ACTIVATION_NAMES if get_activation(n).smooth)
"""Registry activations that are C^2 (no kinks): the ones Hessian statements hold for everywhere."""

PIECEWISE_LINEAR_ACTIVATIONS: tuple[str, ...] = tuple(n for n in ACTIVATION_NAMES
                                                      if get_activation(n).properties.piecewise_linear)
"""Registry activations that are piecewise linear (ReLU, leaky ReLU, identity): phi'' = 0 off the
kinks, so A_j = 0 and Hessians exist only off the kinks."""


def activations(smooth: bool | None = None, extra=()) -> st.SearchStrategy[str]:
    """Activation names from the registry of :mod:`theory.activations` (only C^2 ones with
    ``smooth=True``, only non-C^2 ones with ``smooth=False``) plus the names in ``extra`` (for
    instance user expressions ``"expr:..."`` where the registry accepts them; each is checked with
    :func:`theory.activations.get_activation` when the strategy is built).

    >>> activations(smooth=True).example() in SMOOTH_ACTIVATIONS
    True
    """
    names = {None: ACTIVATION_NAMES, True: SMOOTH_ACTIVATIONS,
             False: tuple(n for n in ACTIVATION_NAMES if n not in SMOOTH_ACTIVATIONS)}[smooth]
    for name in extra:
        get_activation(name)
    return st.sampled_from(tuple(names) + tuple(n for n in extra if n not in names))


@lru_cache(maxsize=None)
def lambdas(bound: float = 3.0) -> st.SearchStrategy[float]:
    """Split ratios in [-bound, bound], with the edge cases 0, 1 and 1/2 drawn often.

    >>> -3 <= lambdas().example() <= 3
    True
    """
    return st.one_of(st.sampled_from([0.0, 1.0, 0.5]), reals(bound))


@st.composite
def hidden_units(draw, arch: Architecture) -> tuple[int, int]:
    """``(layer, unit)``: a hidden layer (0-based) and a unit of it (given ``arch``; to draw the
    network too, without ``st.data()``, use :func:`network_units`).

    >>> hidden_units(Architecture((1, 3, 1), "tanh")).example()[0]
    0
    """
    layer = draw(st.integers(0, arch.n_hidden_layers - 1))
    return layer, draw(st.integers(0, arch.widths[layer + 1] - 1))


@st.composite
def incoming_vectors(draw, arch: Architecture, layer: int, scale: float = 2.0) -> np.ndarray:
    """An augmented incoming vector w~0 for a new unit of hidden layer ``layer``.

    >>> incoming_vectors(Architecture((2, 3, 1), "tanh"), 0).example().shape
    (3,)
    """
    size = arch.incoming_size(layer)
    return np.array(draw(real_lists(size, scale)), dtype=float)


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

    def apply(self, arch: Architecture, p: Params, maps=None) -> tuple[Architecture, Params]:
        """Apply the step. With mpmath parameters every number is converted to mpf first, so
        the step is carried out at the caller's mpmath precision (call inside ``workdps``).

        ``maps`` (optional) supplies ``replicate``, ``add_inactive_unit`` and
        ``add_inactive_propagation`` in place of :mod:`theory.embeddings`' (for instance a
        :class:`proofs_check.invariants.Subject`, real or mutant)."""
        num = mpmath.mpf if p.W[0].dtype == object else float
        rep, alpha, beta = ((replicate, add_inactive_unit, add_inactive_propagation) if maps is None else
                            (maps.replicate, maps.add_inactive_unit, maps.add_inactive_propagation))
        layer = self.layer_pick % arch.n_hidden_layers
        if self.method == "replication":
            return rep(arch, p, layer, self.unit_pick % arch.widths[layer + 1], num(self.lam))
        if self.method == "inactive-unit":
            return alpha(arch, p, layer, _cycled(self.vector, arch.incoming_size(layer), num))
        b0 = num(self.b0 if arch.bias else 0.0)
        return beta(arch, p, layer, b0, _cycled(self.vector, arch.outgoing_size(layer), num))


def _cycled(vector, size, num=float):
    return np.array([num(vector[k % len(vector)]) for k in range(size)], dtype=object if num is not float else float)


@st.composite
def embedding_steps(draw, arch: Architecture | None = None, min_steps: int = 1, max_steps: int = 10,
                    methods=("replication", "inactive-unit", "inactive-propagation"),
                    scale: float = 2.0) -> list[EmbeddingStep]:
    """A list of embedding steps (compose them with :func:`apply_steps`).

    When ``arch`` has no bias and an activation with phi(0) != 0, inactive propagation is left
    out (it needs the next layer's bias to cancel phi(b0)).

    >>> arch = Architecture((1, 2, 1), "tanh")
    >>> wide, _ = apply_steps(arch, Params.from_vector(arch, [0.5] * 7, dtype=float),
    ...                       embedding_steps(arch, min_steps=2, max_steps=2).example())
    >>> wide.widths
    (1, 4, 1)
    """
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


def apply_steps(arch: Architecture, p: Params, steps, maps=None) -> tuple[Architecture, Params]:
    """Apply embedding steps in order (with ``maps`` as in :meth:`EmbeddingStep.apply`); returns
    the wide ``(arch, params)``."""
    for step in steps:
        arch, p = step.apply(arch, p, maps)
    return arch, p


@st.composite
def critical_points(draw, arch: Architecture | None = None, dps: int = 30, scale: float = 1.5,
                    extra_samples: int = 2, **arch_options) -> tuple[Architecture, Params, Dataset]:
    """``(arch, params, data)`` with grad L(params) = 0 to ``dps`` digits and L > 0
    (docs/invariants.md "Exact critical points"); params and targets are mpf (the params equal
    the drawn floats exactly).

    Parameters and inputs are drawn, then the targets are set to f(X) - e with e in the left
    null space of the output Jacobian (n M > D samples: :func:`min_samples` plus up to
    ``extra_samples``). Without ``arch``, an architecture is drawn with ``arch_options``
    (default: at most 3 weight layers of width <= 3, to keep D small).

    >>> from numerics import mlp
    >>> arch, p, data = critical_points(activations=("tanh", "sigmoid"), max_width=2).example()
    >>> with workdps(30):
    ...     bool(mlp.norm(mlp.gradient(arch, p, data.x, data.y, dps=30)) < 1e-25)
    True
    """
    if arch is None:
        options = {"max_layers": 3, "max_width": 3}
        options.update(arch_options)
        arch = draw(architectures(**options))
    p = draw(params(arch, scale=scale))
    n = min_samples(arch) + draw(st.integers(0, extra_samples))
    d = arch.input_dim
    x = np.array(draw(real_lists(n * d, scale))).reshape(n, d)
    seed = draw(st.integers(0, 2**31 - 1))
    point = exact_critical_point(arch, p, x, dps=dps, seed=seed)
    with workdps(dps):
        return arch, to_mp_params(p), point.data
