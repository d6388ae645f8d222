"""The shipped derivative checker against exact derivatives of closed forms (mpmath at dps)."""

import mpmath
import numpy as np

from numerics.derivative_check import central_differences, check_grads, default_step_digits
from numerics.precision import rounding_band, workdps

DPS = 40


def _f(v):
    return mpmath.exp(v[0]) * mpmath.sin(v[1]) + v[0] ** 3 * v[1]


def _grad(v):
    return np.array([mpmath.exp(v[0]) * mpmath.sin(v[1]) + 3 * v[0] ** 2 * v[1],
                     mpmath.exp(v[0]) * mpmath.cos(v[1]) + v[0] ** 3], dtype=object)


def _hess(v):
    return np.array([[mpmath.exp(v[0]) * mpmath.sin(v[1]) + 6 * v[0] * v[1],
                      mpmath.exp(v[0]) * mpmath.cos(v[1]) + 3 * v[0] ** 2],
                     [mpmath.exp(v[0]) * mpmath.cos(v[1]) + 3 * v[0] ** 2,
                      -mpmath.exp(v[0]) * mpmath.sin(v[1])]], dtype=object)


POINT = ["0.3", "-1.1"]


def test_central_differences_reach_the_budgeted_accuracy_for_gradient_and_hessian():
    with workdps(DPS):
        x = np.array([mpmath.mpf(p) for p in POINT], dtype=object)
        g, H = _grad(x), _hess(x)
    s = default_step_digits(DPS)
    fd_g = central_differences(_f, POINT, DPS)
    fd_H = central_differences(_grad, POINT, DPS)
    with workdps(DPS):
        assert max(abs(a - b) for a, b in zip(fd_g, g)) <= rounding_band(DPS, 10, lost_digits=s + 1)
        assert max(abs(a - b) for a, b in zip(fd_H.reshape(-1), H.reshape(-1))) <= rounding_band(DPS, 10, lost_digits=s + 1)


def test_check_grads_passes_the_true_derivatives_and_rejects_a_perturbed_one():
    with workdps(DPS):
        x = np.array([mpmath.mpf(p) for p in POINT], dtype=object)
        g, H = _grad(x), _hess(x)
        wrong = g.copy()
        wrong[1] = wrong[1] * (1 + mpmath.mpf(10) ** -20)  # negative control: 20th digit changed
    assert check_grads(_f, g, POINT, DPS).passed
    assert check_grads(_grad, H, POINT, DPS).passed
    bad = check_grads(_f, wrong, POINT, DPS)
    assert not bad.passed and bad.error > 1e3 * bad.tolerance


def test_default_step_keeps_truncation_below_rounding():
    for dps in (15, 30, 50, 60, 100):
        s = default_step_digits(dps)
        assert 2 * s >= dps - s - 1
