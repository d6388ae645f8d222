"""The ordered list of theorem checks and :func:`check_all`."""

from __future__ import annotations

import time
from types import MappingProxyType

from proofs_check.checks import (t1_function, t2_gradient, t3_criticality, t4_hessian, t4a_fa_table,
                                 t4b_multi_output, t4c_kway, t5_smooth_inactive, t6_relu_dead,
                                 t7_relu_replication, t8_relu_homogeneity, t9_zero_error, t10_pac_bayes,
                                 t3d_deep_criticality, td_deep_instances)
from proofs_check.checks._activation import reason_not
from proofs_check.checks.result import CheckConfig, CheckResult

ALL_CHECKS = (
    t1_function,
    t2_gradient,
    t3_criticality,
    t4_hessian,
    t4a_fa_table,
    t4b_multi_output,
    t4c_kway,
    t5_smooth_inactive,
    t6_relu_dead,
    t7_relu_replication,
    t8_relu_homogeneity,
    t9_zero_error,
    t10_pac_bayes,
    t3d_deep_criticality,
    td_deep_instances,
)
"""Every theorem check, in the order of ``docs/theorems.md``; tests loop over this tuple."""

ACTIVATION_CHECKS = ("T3d", "Td", "T4a", "T4b", "T4c", "T7", "T10")
"""The checks parametrised by the activation (``check --activation``); the others use fixed instances."""

CHECKS = MappingProxyType({module.THEOREM: module for module in ALL_CHECKS})
"""Theorem id -> check module (read-only), in the order of :data:`ALL_CHECKS`."""


def not_applicable(key: str, activation: str) -> str:
    """"" when check ``key`` runs on ``activation``, else why not (its statement does not hold
    for the activation's properties, docs/activations.md); checks outside
    :data:`ACTIVATION_CHECKS` ignore the activation and always run."""
    if key not in ACTIVATION_CHECKS:
        return ""
    return reason_not(CHECKS[key], activation)


def check_all(quick: bool = False, only=None, *, dps: int = 40, seed: int = 0,
              activation: str | None = None) -> list[CheckResult]:
    """Run every check (or the ids in ``only``) in order; an exception inside a check becomes a
    failed result naming it, so one broken check never hides the others. With ``activation``
    the default selection is every check of :data:`ACTIVATION_CHECKS` whose statement holds for
    that activation (:func:`not_applicable`; docs/activations.md)."""
    if not only and activation is not None:
        only = tuple(k for k in ACTIVATION_CHECKS if not not_applicable(k, activation))
    wanted = list(CHECKS) if not only else [k for k in CHECKS if k in set(only)]
    config = CheckConfig(quick=quick, dps=dps, seed=seed, activation=activation)
    results = []
    for key in wanted:
        module = CHECKS[key]
        start = time.perf_counter()
        try:
            results.append(module.check(config))
        except Exception as exc:  # reported as a failure with its message
            results.append(CheckResult(key, module.STATEMENT, "numeric", False,
                                       (("error", f"{type(exc).__name__}: {exc}"),), (config.seed,),
                                       round(time.perf_counter() - start, 3), (), "check raised an exception"))
    return results
