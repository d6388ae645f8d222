"""How the Figure-2 result depends on the open choices (docs/experiment.md "Sensitivity").

For the trained N_H0 of a perturb run, phase 2 is repeated under other surplus rules, margins
and rho rules (:data:`VARIANTS`), each applied to *both* activations (the same surplus incoming
weights for tanh and ReLU), on ``sensitivity_trials`` trials. Each variant keeps the prediction
beside the measurement and says whether the ReLU claim is true by construction under it.
"""

from __future__ import annotations

import numpy as np

from numerics.experiment.base import BaseNetwork
from numerics.experiment.claims import BY_CONSTRUCTION, TESTED, is_flat
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.evaluate import evaluate_trials
from numerics.experiment.perturbation import rho_of
from numerics.experiment.results import summarize
from numerics.experiment.trials import NARROW

VARIANTS = (
    ("domain-dead, m = 1", dict(surplus="domain", margin=1.0)),
    ("domain-dead, m = 0.05", dict(surplus="domain", margin=0.05)),
    ("data-dead, m = 1", dict(surplus="data", margin=1.0)),
    ("data-dead, m = 0.25", dict(surplus="data", margin=0.25)),
    ("data-dead, m = 0 (default)", dict(surplus="data", margin=0.0)),
    ("gaussian (not dead)", dict(surplus="gaussian", margin=0.0)),
    ("data-dead, m = 0, rho matched", dict(surplus="data", margin=0.0, rho_rule="match")),
    ("gaussian, rho matched", dict(surplus="gaussian", margin=0.0, rho_rule="match")),
)
"""(label, config changes); each variant sets the same rule for ReLU and smooth activations."""

KEYS = ("mean_ratio", "se_ratio", "ratio_of_means", "se_ratio_of_means", "predicted_ratio_of_means",
        "excess", "se_excess", "predicted_excess", "prediction_agrees", "fraction_changed",
        "predicted_fraction_changed")


def sensitivity(config: ExperimentConfig, bases: dict[str, BaseNetwork]) -> dict | None:
    """Per variant and activation: the per-width statistics (:data:`KEYS`) on the first trials.

    Returns None when ``config.sensitivity_trials`` is 0 or no base is given (retrain protocol).
    """
    T = min(config.sensitivity_trials, config.trials)
    if T < 2 or not bases:
        return None
    norms = {a: float(np.linalg.norm(b.theta)) for a, b in bases.items()}
    out = []
    for label, changes in VARIANTS:
        cfg = config.with_changes(surplus_smooth=changes["surplus"], **changes)
        entry = {"label": label, **{k: v for k, v in changes.items()}, "activations": {}}
        for act in config.activations:
            base = bases[act]
            rho = rho_of(base, cfg, norms) if cfg.rho_rule != "relative" else None
            arr = evaluate_trials(base, cfg, range(T), rho)
            columns = cfg.widths_for(base.h0)
            arrays = {k: v[:, 1:] for k, v in arr.items()}
            for key, src in NARROW:
                arrays[key] = arr[src][:, 0]
            arrays["h0"] = np.full(T, base.h0)
            rows = summarize(cfg, columns, arrays, None)
            last = rows[-1]
            revived = T * last.get("predicted_fraction_changed", 1.0)
            kind = BY_CONSTRUCTION if (act == "relu" and cfg.relu_by_construction() and revived < 1.0) else TESTED
            entry["activations"][act] = {
                "rho": rho, "relu_claim_kind": kind if act == "relu" else None,
                "relu_flat": bool(all(is_flat(r) for r in rows)) if act == "relu" else None,
                "widths": [r["H"] for r in rows],
                "summary": [{"H": r["H"], **{k: r.get(k) for k in KEYS}} for r in rows],
            }
        out.append(entry)
    return {"trials": T, "variants": out}
