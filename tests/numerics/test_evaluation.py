"""numerics.evaluation: one sweep per point, against independent oracles.

- pre-activations and layer inputs vs theory.network (the object-array forward pass of the
  symbolic world, run on mpmath numbers): exact agreement, both compute the same sums;
- loss gradient vs central differences of the loss (numerics.derivative_check) at 60 digits;
- Hessian vs central differences of the gradient, and vs the compiled sympy Hessian
  (theory.symbolic.bridge) for a small net;
- the mpmath evaluation vs the float64 backprop of the same point (numerics.backprop on floats);
- signals: delta(K-1) = f - y and the bias rows of the gradient are sum_i delta(l)_ij (the
  defining relation, against the finite-difference gradient).
Negative control: a Hessian off by one entry must fail the finite-difference comparison.
A count test: classify runs the forward pass once per point it evaluates.
"""

import mpmath
import numpy as np
import pytest

from numerics import backprop, mlp
from numerics.dataset import Dataset
from numerics.derivative_check import check_grads
from numerics.evaluation import Evaluation, Evaluations, evaluate
from numerics.precision import rounding_band, workdps
from proofs_check.landscape.classify import Verdict, classify
from theory.architecture import Architecture
from theory.network import hidden_values, pre_activations
from theory.params import Params
from theory.symbolic import bridge

DPS = 40


def _point(widths=(2, 3, 2), activation="tanh", bias=True, seed=3, n=4):
    arch = Architecture(widths, activation, bias)
    rng = np.random.default_rng(seed)
    params = Params.from_vector(arch, [str(v) for v in rng.normal(size=arch.n_params)])
    x = [[str(v) for v in row] for row in rng.normal(size=(n, arch.input_dim))]
    y = [[str(v) for v in row] for row in rng.normal(size=(n, arch.output_dim))]
    return arch, params, x, y


def _max_abs(a):
    return max(abs(v) for v in np.asarray(a, dtype=object).reshape(-1))


@pytest.mark.parametrize("widths,activation,bias", [((2, 3, 2), "tanh", True), ((1, 2, 2, 1), "sigmoid", False),
                                                     ((3, 2, 1), "softplus", True)])
def test_forward_values_match_the_symbolic_world_forward(widths, activation, bias):
    arch, params, x, y = _point(widths, activation, bias)
    ev = evaluate(arch, params, x, y, DPS)
    with workdps(DPS):
        p = params.map(mpmath.mpf)
        xs = np.array([[mpmath.mpf(v) for v in row] for row in x], dtype=object)
        zs, hs = pre_activations(arch, p, xs), hidden_values(arch, p, xs)
        tol = rounding_band(DPS, 1 + max(_max_abs(z) for z in zs))
        for a, b in zip(ev.pre_activations, zs):
            assert a.shape == b.shape and _max_abs(a - b) <= tol
        for a, b in zip(ev.layer_inputs, hs):
            assert a.shape == b.shape and _max_abs(a - b) <= tol
        ys = np.array([[mpmath.mpf(v) for v in row] for row in y], dtype=object)
        assert _max_abs(ev.signals[-1] - (zs[-1] - ys)) <= tol  # delta of the output layer is f - y
        assert abs(ev.loss - mpmath.fsum(v * v for v in (zs[-1] - ys).reshape(-1)) / 2) <= tol


@pytest.mark.parametrize("widths,activation,bias", [((2, 3, 2), "tanh", True), ((1, 2, 2, 1), "sigmoid", False)])
def test_gradient_and_hessian_match_finite_differences(widths, activation, bias):
    arch, params, x, y = _point(widths, activation, bias)
    fd_dps = 60
    ev = evaluate(arch, params, x, y, fd_dps)
    vec = params.to_vector()
    loss = lambda v: mlp.loss(arch, Params.from_vector(arch, v), x, y, fd_dps)  # noqa: E731
    grad = lambda v: evaluate(arch, Params.from_vector(arch, v), x, y, fd_dps).gradient  # noqa: E731
    assert check_grads(loss, ev.gradient, vec, fd_dps).passed
    assert check_grads(grad, ev.hessian, vec, fd_dps).passed
    # signals: dL/db[l][j] = sum_i delta(l)_ij, the bias rows of the (independently checked) gradient
    if bias:
        from theory.params import flat_index

        with workdps(fd_dps):
            for l, delta in enumerate(ev.signals):
                for j in range(delta.shape[1]):
                    assert abs(ev.gradient[flat_index(arch, "b", l, j)] - mpmath.fsum(delta[:, j])) <= rounding_band(fd_dps, 1)


def test_a_wrong_hessian_fails_the_finite_difference_check():
    arch, params, x, y = _point()
    ev = evaluate(arch, params, x, y, 60)
    grad = lambda v: evaluate(arch, Params.from_vector(arch, v), x, y, 60).gradient  # noqa: E731
    broken = np.array(ev.hessian, dtype=object)
    broken[1, 2] += mpmath.mpf(10) ** -20
    assert not check_grads(grad, broken, params.to_vector(), 60).passed


def test_hessian_matches_the_sympy_hessian():
    arch, params, x, y = _point((1, 2, 1), "tanh", True, n=3)
    ev = evaluate(arch, params, x, y, DPS)
    with workdps(DPS):
        H_sym = bridge.hessian(arch, [mpmath.mpf(v) for v in params.to_vector()], x, y)
        tol = rounding_band(DPS, 1 + _max_abs(ev.hessian), lost_digits=2)
        assert _max_abs(np.asarray(H_sym, dtype=object).reshape(ev.hessian.shape) - ev.hessian) <= tol


def test_mpmath_evaluation_matches_float64_backprop():
    arch, params, x, y = _point((2, 4, 2), "tanh", True)
    ev = evaluate(arch, params, x, y, DPS)
    layers = backprop.layers(arch, np.array([float(v) for v in params.to_vector()])[None])
    xf = np.array(x, dtype=float)
    yf = np.array(y, dtype=float)
    g, H = backprop.gradient_and_hessian(arch, layers, xf, yf)
    scale = 1 + float(_max_abs(ev.hessian))
    tol = 64 * np.finfo(float).eps * scale
    assert np.max(np.abs(g[0] - np.array(ev.gradient, dtype=float))) <= tol
    assert np.max(np.abs(H[0] - np.array(ev.hessian, dtype=float))) <= tol
    # negative control: parameters rounded to single precision are visibly another point
    layers32 = backprop.layers(arch, np.array([float(np.float32(float(v))) for v in params.to_vector()])[None])
    g32 = backprop.gradient(arch, layers32, xf, yf)
    assert np.max(np.abs(g32[0] - np.array(ev.gradient, dtype=float))) > tol


def test_the_hessian_is_computed_once_and_without_a_new_forward_pass(monkeypatch):
    arch, params, x, y = _point()
    calls = []
    original = backprop.forward
    monkeypatch.setattr(backprop, "forward", lambda *a, **k: calls.append(1) or original(*a, **k))
    ev = evaluate(arch, params, x, y, DPS)
    assert len(calls) == 1
    H1, H2 = ev.hessian, ev.hessian
    assert H1 is H2 and len(calls) == 1
    with pytest.raises(ValueError):
        _ = evaluate(arch, params, x, None, DPS).hessian  # forward-only: no targets, no Hessian


def test_evaluations_cache_returns_one_evaluation_per_params_object():
    arch, params, x, y = _point()
    cache = Evaluations(x, y, DPS)
    a = cache.at(arch, params)
    assert isinstance(a, Evaluation) and cache.at(arch, params) is a
    other = Params.from_vector(arch, params.to_vector())  # equal values, another object: evaluated anew
    assert cache.at(arch, other) is not a


# --- one forward sweep per point in classify ---------------------------------------------------

def _classify_counting(monkeypatch, arch, params, data, **kw):
    """classify with backprop.forward and theory.network.pre_activations wrapped: returns the
    report and how often each distinct point (architecture, parameter values) was swept."""
    import theory.network as network

    counts = {}
    original = backprop.forward

    def counted(arch_, layers, x, phi=None):
        for b in range(layers.W[0].shape[0]):
            key = (arch_.widths, tuple(str(w[b].tolist()) for w in layers.W),
                   None if layers.b is None else tuple(str(v[b].tolist()) for v in layers.b))
            counts[key] = counts.get(key, 0) + 1
        return original(arch_, layers, x, phi)

    symbolic = []
    monkeypatch.setattr(backprop, "forward", counted)
    original_pre = network.pre_activations
    monkeypatch.setattr(network, "pre_activations", lambda *a, **k: symbolic.append(1) or original_pre(*a, **k))
    report = classify(arch, params, data, **kw)
    return report, counts, symbolic


def test_classify_sweeps_each_point_once_on_a_replication_step(monkeypatch):
    from proofs_check.instances.critical_search import find_strict_minimum
    from theory.embeddings.replication import replicate

    a, p, data, _ = find_strict_minimum("tanh", (1, 2, 1), 12, seed=2024, dps=DPS)
    with workdps(DPS):
        wide_arch, wide = replicate(a, p, 0, 0, mpmath.mpf("0.3"))
    report, counts, symbolic = _classify_counting(monkeypatch, wide_arch, wide, data, dps=DPS)
    assert report.verdict in (Verdict.SEMI_FLAT_MINIMUM, Verdict.SADDLE, Verdict.UNDECIDED)
    assert counts and max(counts.values()) == 1, sorted(counts.values())
    assert not symbolic  # no second forward implementation is run on the point
    # the input point and the reduced network were both swept (once each)
    assert {k[0] for k in counts} >= {wide_arch.widths, a.widths}


@pytest.mark.parametrize("certify", [False, True])
def test_classify_sweeps_each_point_once_at_a_zero_loss_embedding(monkeypatch, certify):
    from theory.embeddings.inactive_unit import add_inactive_unit

    arch = Architecture((1, 2, 1), "tanh")
    rng = np.random.default_rng(5)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params))
    x = rng.uniform(-1, 1, size=(4, 1))
    y = mlp.forward(arch, params, x, DPS + 10)
    with workdps(DPS):
        wide_arch, wide = add_inactive_unit(arch, params, 0, [mpmath.mpf("0.5"), mpmath.mpf("-0.25")])
    report, counts, symbolic = _classify_counting(monkeypatch, wide_arch, wide, Dataset(x, y), dps=DPS,
                                                  certify=certify)
    assert report.verdict in (Verdict.GLOBAL_MINIMUM, Verdict.UNDECIDED)
    assert max(counts.values()) == 1, sorted(counts.values())
    assert not symbolic
