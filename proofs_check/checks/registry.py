"""The ordered list of theorem checks and :func:`check_all`."""

from __future__ import annotations

import importlib
import time

from proofs_check.checks.result import CheckConfig, CheckResult

MODULES = (
    ("T1", "t1_function"),
    ("T2", "t2_gradient"),
    ("T3", "t3_criticality"),
    ("T4", "t4_hessian"),
    ("T4a", "t4a_fa_table"),
    ("T4b", "t4b_multi_output"),
    ("T4c", "t4c_kway"),
    ("T5", "t5_smooth_inactive"),
    ("T6", "t6_relu_dead"),
    ("T7", "t7_relu_replication"),
    ("T8", "t8_relu_homogeneity"),
    ("T9", "t9_zero_error"),
    ("T10", "t10_pac_bayes"),
    ("T3d", "t3d_deep_criticality"),
    ("Td", "td_deep_instances"),
)

ACTIVATION_CHECKS = ("T3d", "Td")
"""The checks that run on any activation (``check --activation``); the others use fixed instances."""


class _Lazy(dict):
    """Ordered mapping theorem id -> module, importing each module on first access."""

    def __getitem__(self, key):
        name = dict.__getitem__(self, key)
        return importlib.import_module(f"proofs_check.checks.{name}") if isinstance(name, str) else name

    def values(self):
        return [self[k] for k in self]

    def items(self):
        return [(k, self[k]) for k in self]


CHECKS = _Lazy(MODULES)


def check_all(quick: bool = False, only=None, *, dps: int = 40, seed: int = 0,
              activation: str | None = None) -> list[CheckResult]:
    """Run every check (or the ids in ``only``) in order; an exception inside a check becomes a
    failed result naming it, so one broken check never hides the others. With ``activation``
    the default selection is :data:`ACTIVATION_CHECKS` run on that activation
    (docs/activations.md)."""
    if not only and activation is not None:
        only = ACTIVATION_CHECKS
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
