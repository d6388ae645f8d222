"""The symbolic world (sympy.diff of theory.network.loss, lambdified to mpmath) agrees with the
numeric world (numerics.mlp, exact backpropagation) at dps 50, on random small networks.

Negative control: moving one parameter in the symbolic evaluation breaks the agreement.
"""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import mlp as nmlp
from numerics.precision import rounding_band, workdps
from theory.architecture import Architecture
from theory.embeddings import replicate, replication_map
from theory.params import Params
from theory.symbolic import bridge
from theory.symbolic import mlp as smlp

DPS = 50
N = 3
ARCHS = (Architecture((1, 3, 1), "tanh"), Architecture((2, 2, 2), "tanh"), Architecture((1, 2, 1), "relu"))


def _draw(arch, seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=arch.n_params)
    x = rng.normal(size=(N, arch.input_dim))
    y = rng.normal(size=(N, arch.output_dim))
    return theta, x, y


def _max_abs(a, b):
    a = np.asarray(a, dtype=object).reshape(-1)
    b = np.asarray(b, dtype=object).reshape(-1)
    return max(abs(u - v) for u, v in zip(a, b))


def _scale(values):
    return max([mpmath.mpf(1)] + [abs(v) for v in np.asarray(values, dtype=object).reshape(-1)])


@settings(max_examples=5)
@given(arch=st.sampled_from(ARCHS), seed=st.integers(0, 2**32 - 1))
def test_symbolic_gradient_and_hessian_equal_numeric(arch, seed):
    theta, x, y = _draw(arch, seed)
    params = Params.from_vector(arch, theta)
    with workdps(DPS):
        g_sym = bridge.gradient(arch, theta, x, y)
        h_sym = bridge.hessian(arch, theta, x, y)
        l_sym = bridge.loss(arch, theta, x, y)
    g_num = nmlp.gradient(arch, params, x, y, dps=DPS)
    h_num = nmlp.hessian(arch, params, x, y, dps=DPS)
    l_num = nmlp.loss(arch, params, x, y, dps=DPS)
    with workdps(DPS):
        assert abs(l_sym - l_num) <= rounding_band(DPS, _scale([l_num]), lost_digits=2)
        assert _max_abs(g_sym, g_num) <= rounding_band(DPS, _scale(g_num), lost_digits=2)
        assert _max_abs(h_sym, h_num) <= rounding_band(DPS, _scale(h_num), lost_digits=2)


def test_a_moved_parameter_breaks_the_agreement():
    """Negative control: the comparison detects a wrong point."""
    arch = ARCHS[0]
    theta, x, y = _draw(arch, 7)
    params = Params.from_vector(arch, theta)
    moved = theta.copy()
    moved[0] += 2.0**-30
    with workdps(DPS):
        g_sym = bridge.gradient(arch, moved, x, y)
    g_num = nmlp.gradient(arch, params, x, y, dps=DPS)
    with workdps(DPS):
        assert _max_abs(g_sym, g_num) > rounding_band(DPS, _scale(g_num), lost_digits=2) * 10**20


@pytest.mark.parametrize("method", ["replication", "inactive-unit", "inactive-propagation"])
def test_embedded_symbolic_point_matches_the_numeric_embedding(method):
    """The symbolic embedded point (theory.embeddings on symbols, lambdified) equals the numeric
    embedding (theory.embeddings on mpmath numbers), and the wide loss equals the narrow one."""
    arch = ARCHS[0]
    emb = smlp.embedded(arch, N, method)
    theta, x, y = _draw(arch, 11)
    extra = {"replication": ["0.3"], "inactive-unit": ["0.7", "-1.1"], "inactive-propagation": ["0.4", "1.3"]}[method]
    with workdps(DPS):
        wide_vec = bridge.embedded_point(emb, theta, extra)
        l_wide = bridge.loss(emb.wide.arch, wide_vec, x, y)
        l_narrow = bridge.loss(arch, theta, x, y)
        assert abs(l_wide - l_narrow) <= rounding_band(DPS, _scale([l_narrow]), lost_digits=2)
        if method == "replication":
            mp_params = Params.from_vector(arch, [mpmath.mpf(t) for t in theta])
            _, numeric = replicate(arch, mp_params, 0, 0, mpmath.mpf(extra[0]))
            assert _max_abs(wide_vec, numeric.to_vector()) <= rounding_band(DPS)


def test_gradient_congruence_through_the_bridge():
    """T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0, 0), symbolic gradient of the
    embedded net evaluated by the bridge against the numeric narrow gradient; and a wrong lambda
    in T (negative control) breaks it."""
    arch = ARCHS[0]
    theta, x, y = _draw(arch, 3)
    lam = mpmath.mpf("0.35")
    params = Params.from_vector(arch, theta)
    with workdps(DPS):
        mp_params = Params.from_vector(arch, [mpmath.mpf(t) for t in theta])
        wide_arch, wide_params = replicate(arch, mp_params, 0, 1, lam)
        g_wide = bridge.gradient(wide_arch, wide_params.to_vector(), x, y).reshape(-1)
        T = replication_map(arch, 0, 1, lam)
        lhs = T.T.dot(g_wide)
        bad = replication_map(arch, 0, 1, lam + mpmath.mpf("0.1")).T.dot(g_wide)
    g_num = nmlp.gradient(arch, params, x, y, dps=DPS)
    target = list(g_num) + [0] * (len(lhs) - len(g_num))
    with workdps(DPS):
        tol = rounding_band(DPS, _scale(g_wide), lost_digits=3)
        assert _max_abs(lhs, target) <= tol
        assert _max_abs(bad, target) > tol
