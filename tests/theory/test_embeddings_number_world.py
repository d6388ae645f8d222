"""Number worlds are contagious one way only: scalars that a user or a default supplies (b0, v0,
lambda, shares, incoming weights, seeded draws, margins) enter the parameters' world first.

Property over every embedding and activation: mpmath parameters in, mpmath parameters out, and
the wide network computed at DPS digits agrees with the narrow one evaluated independently
(a plain loop over mpmath at DPS + 40 digits) to the working precision. Negative control: the
same property with one deliberate float64 step (the conversion replaced by ``float``) fails.
"""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from numerics.precision import rounding_band, workdps
from theory.activations import ACTIVATION_NAMES
from theory.architecture import Architecture
from theory.embeddings import EmbeddingRequest, embed_to_width, split
from theory.embeddings import _world
from theory.network import forward
from theory.params import Params

DPS = 50


_SELU_ALPHA = "1.6732632423543772848170429916717"  # the published SELU constants
_SELU_SCALE = "1.0507009873554804934193349852946"


def _phi(name, z):
    """Independent scalar activations (mpmath only), the oracle's own definitions."""
    exact = {
        "tanh": lambda: mpmath.tanh(z),
        "relu": lambda: z if z > 0 else mpmath.mpf(0),
        "sigmoid": lambda: 1 / (1 + mpmath.exp(-z)),
        "softplus": lambda: mpmath.log(1 + mpmath.exp(z)),
        "gelu": lambda: z * (1 + mpmath.erf(z / mpmath.sqrt(2))) / 2,
        "identity": lambda: z,
        "silu": lambda: z / (1 + mpmath.exp(-z)),
        "elu": lambda: z if z > 0 else mpmath.exp(z) - 1,
        "selu": lambda: mpmath.mpf(_SELU_SCALE) * (z if z > 0 else mpmath.mpf(_SELU_ALPHA) * (mpmath.exp(z) - 1)),
        "leaky_relu": lambda: z if z > 0 else z / 100,
        "erf": lambda: mpmath.erf(z),
        "softsign": lambda: z / (1 + abs(z)),
        "square": lambda: z * z,
        "cube": lambda: z * z * z,
        "exp": lambda: mpmath.exp(z),
        "sin": lambda: mpmath.sin(z),
    }
    return exact[name]()


def oracle(arch, params, x, dps):
    """f(x) by explicit loops at ``dps`` digits (no numpy arithmetic, no theory.network)."""
    with mpmath.workdps(dps):
        h = [mpmath.mpf(v) for v in x]
        for l in range(arch.n_layers):
            W = params.W[l]
            z = []
            for r in range(W.shape[0]):
                s = mpmath.fsum(mpmath.mpf(W[r, c]) * h[c] for c in range(W.shape[1]))
                if arch.bias:
                    s += mpmath.mpf(params.b[l][r])
                z.append(s)
            h = z if l == arch.n_layers - 1 else [_phi(arch.activation, v) for v in z]
        return h


def _params(arch, rng):
    with workdps(DPS):
        W = [np.array([[mpmath.mpf(repr(float(v))) / 3 for v in row] for row in rng.normal(size=arch.layer_shape(l))],
                      dtype=object) for l in range(arch.n_layers)]
        b = [np.array([mpmath.mpf(repr(float(v))) / 7 for v in rng.normal(size=arch.widths[l + 1])], dtype=object)
             for l in range(arch.n_layers)] if arch.bias else None
    return Params.build(arch, W, b)


def _request(method, arch, rng, kind):
    """Scalars as plain Python numbers (ints, floats, fractions), as a user or a default gives them."""
    if method == "replication":
        lam = {"float": float(np.round(rng.uniform(-2, 3), 3)), "int": int(rng.integers(-2, 3)),
               "fraction": Fraction(int(rng.integers(-5, 6)), 3)}[kind]
        return EmbeddingRequest(method, unit=0, lam=lam)
    if method == "inactive-unit":
        if kind == "int":
            return EmbeddingRequest(method, incoming=[int(v) for v in rng.integers(-3, 4, arch.incoming_size(0))])
        if kind == "fraction" and arch.activation == "relu" and arch.bias:
            return EmbeddingRequest(method, seed=int(rng.integers(100)), dead_box=(-1, 1), dead_margin=0.5)
        return EmbeddingRequest(method, seed=int(rng.integers(100)))
    b0 = {"float": float(np.round(rng.uniform(-2, 2), 2)), "int": 0, "fraction": Fraction(1, 3)}[kind]
    if not arch.bias:
        b0 = 0
    if kind == "int":
        return EmbeddingRequest(method, b0=b0)  # b0 = 0 and v0 = 0: the defaults
    if kind == "fraction":
        return EmbeddingRequest(method, b0=b0, v0=[Fraction(-2, 3)] * arch.outgoing_size(0))
    return EmbeddingRequest(method, b0=b0, seed=int(rng.integers(100)))


def check_world(method, activation, bias, kind, seed, add):
    """Embed once or repeatedly; return (all entries mpf, max |f_wide - f_narrow|, tolerance)."""
    rng = np.random.default_rng(seed)
    arch = Architecture((2, 2, 1), activation, bias)
    if not bias and _phi(activation, mpmath.mpf(0)) != 0 and method == "inactive-propagation":
        arch = Architecture((2, 2, 1), activation, True)
    params = _params(arch, rng)
    request = _request(method, arch, rng, kind)
    xs = [[mpmath.mpf(repr(float(v))) for v in row] for row in rng.uniform(-1, 1, size=(4, 2))]
    with workdps(DPS):
        wide_arch, wide = embed_to_width(arch, params, request, arch.widths[1] + add)
        if method == "replication" and kind == "fraction":
            wide_arch, wide = split(wide_arch, wide, 0, 1, [Fraction(1, 4), 0.5, 0.25])
        outputs = forward(wide_arch, wide, np.array(xs, dtype=object))
    entries = list(wide.to_vector())
    worst, scale = 0, 1
    for row, x in enumerate(xs):
        want = oracle(arch, params, x, DPS + 40)
        for m, w in enumerate(want):
            scale = max(scale, abs(w))
            worst = max(worst, abs(outputs[row, m] - w))
    return all(isinstance(v, mpmath.mpf) for v in entries), worst, rounding_band(DPS, scale, lost_digits=2)


METHODS = ("replication", "inactive-unit", "inactive-propagation")


@settings(max_examples=12)
@given(method=st.sampled_from(METHODS), activation=st.sampled_from(ACTIVATION_NAMES), bias=st.booleans(),
       kind=st.sampled_from(("float", "int", "fraction")), seed=st.integers(0, 2**16), add=st.integers(1, 2))
def test_plain_scalars_enter_the_mpmath_world(method, activation, bias, kind, seed, add):
    all_mpf, worst, tol = check_world(method, activation, bias, kind, seed, add)
    assert all_mpf
    assert worst <= tol


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_every_embedding_and_activation_with_default_scalars(method, activation):
    """Every pair once, with the defaults (b0 = 0 as a Python int, v0 = 0, int lambda / weights)."""
    all_mpf, worst, tol = check_world(method, activation, True, "int", 7, 1)
    assert all_mpf and worst <= tol


def test_softplus_inactive_propagation_default_b0_is_exact():
    """The documented failure: -v0*phi(b0) with the default b0 = 0 must be -v0*log 2 to DPS digits."""
    arch = Architecture((1, 1, 1), "softplus")
    with workdps(DPS):
        params = Params.build(arch, [[[mpmath.mpf("0.5")]], [[mpmath.mpf("1.25")]]],
                              [[mpmath.mpf("0.125")], [mpmath.mpf(0)]])
        _, wide = embed_to_width(arch, params, EmbeddingRequest("inactive-propagation", v0=[1]), 2)
        assert abs(wide.b[1][0] + mpmath.log(2)) <= rounding_band(DPS)


@pytest.mark.parametrize("method,activation,kind", [
    ("inactive-propagation", "softplus", "int"),
    ("inactive-propagation", "sigmoid", "float"),
    ("inactive-unit", "tanh", "float"),
])
def test_negative_control_a_float64_step_fails(monkeypatch, method, activation, kind):
    """With the conversion replaced by float(), the property must fail (so it can detect the leak)."""
    def leak(value, sample):
        if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
            return float(value)
        return value

    def leak_array(values, sample):
        return np.array([leak(v, sample) for v in np.asarray(values, dtype=object).reshape(-1)], dtype=object)

    for module in ("_world", "replication", "inactive_propagation", "inactive_unit"):
        monkeypatch.setattr(f"theory.embeddings.{module}.to_world", leak, raising=False)
        monkeypatch.setattr(f"theory.embeddings.{module}.to_world_array", leak_array, raising=False)
    failures = 0
    for seed in range(5):
        try:
            all_mpf, worst, tol = check_world(method, activation, True, kind, seed, 1)
        except TypeError:
            failures += 1
            continue
        failures += (not all_mpf) or worst > tol
    assert failures >= 4


def test_to_world_keeps_each_world():
    with workdps(30):
        assert isinstance(_world.to_world(0, mpmath.mpf(1)), mpmath.mpf)
        assert _world.to_world(0.1, mpmath.mpf(1)) == mpmath.mpf("0.1")
        assert _world.to_world(Fraction(1, 3), mpmath.mpf(1)) == mpmath.mpf(1) / 3
    assert _world.to_world(0.1, sympy.Integer(1)) == sympy.Rational(1, 10)
    assert isinstance(_world.to_world(2, 1.5), float)
    third = mpmath.mpf(1) / 3
    assert _world.to_world(third, 1.5) is not None and isinstance(_world.to_world(third, 1.5), mpmath.mpf)
