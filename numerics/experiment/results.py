"""The results document of a Figure-2 run (``results.json``): rows, summaries, claims.

Built from per-trial arrays only, so a merged set of shards gives the same document as one
unsharded run: rows are the source of truth (floats round-trip exactly through JSON/CSV).
Timing is kept out of this document (``timing.json``).
"""

from __future__ import annotations

import math
import platform

import numpy as np

from numerics.experiment.config import ExperimentConfig
from numerics.experiment.prediction import kl_gaussian, n_params, pac_bayes_bound, predicted_ratio_of_means
from numerics.experiment.statistics import spearman, width_statistics

FORMAT = "semiflat.fig2/1"
COLUMNS = ("activation", "H", "H0", "trial", "ratio", "G_H", "G_H0", "risk_H", "risk_H0",
           "norm2_H", "norm2_H0", "excess2_H", "data_seed", "skipped_data_seeds")
PREDICTION_REL_TOL = 0.10
PREDICTION_SE = 3.0


def versions() -> dict:
    import mpmath
    import theory

    return {"python": platform.python_version(), "numpy": np.__version__, "mpmath": mpmath.__version__,
            "semiflat": theory.__version__}


def rows_of(activation: str, columns, lo: int, arrays: dict) -> list[list]:
    """One row per (H, trial) with a value, in the order H, trial."""
    out = []
    G, G0 = arrays["G"], arrays["G0"]
    for j, h in enumerate(columns):
        for i in range(G.shape[0]):
            g = G[i, j]
            if not math.isfinite(g):
                continue
            out.append([activation, int(h), int(arrays["h0"][i]), lo + i, float(g / G0[i]), float(g), float(G0[i]),
                        float(arrays["risk"][i, j]), float(arrays["risk0"][i]), float(arrays["norm2"][i, j]),
                        float(arrays["norm2_0"][i]), float(arrays["excess2"][i, j]),
                        int(arrays["data_seed"][i]), int(arrays["skipped"][i])])
    return out


def arrays_from_rows(rows: list[list], activation: str):
    """Inverse of :func:`rows_of`: (columns, lo, arrays) for one activation."""
    mine = [r for r in rows if r[0] == activation]
    columns = tuple(sorted({r[1] for r in mine}))
    trials = sorted({r[3] for r in mine})
    lo, T = trials[0], len(trials)
    if trials != list(range(lo, lo + T)):
        raise ValueError(f"{activation}: trials are not contiguous")
    col = {h: j for j, h in enumerate(columns)}
    a = {k: np.full((T, len(columns)), np.nan) for k in ("G", "risk", "norm2", "excess2")}
    b = {k: np.zeros(T) for k in ("G0", "risk0", "norm2_0")}
    ints = {k: np.zeros(T, dtype=int) for k in ("h0", "data_seed", "skipped")}
    for r in mine:
        i, j = r[3] - lo, col[r[1]]
        a["G"][i, j], a["risk"][i, j], a["norm2"][i, j], a["excess2"][i, j] = r[5], r[7], r[9], r[11]
        b["G0"][i], b["risk0"][i], b["norm2_0"][i] = r[6], r[8], r[10]
        ints["h0"][i], ints["data_seed"][i], ints["skipped"][i] = r[2], r[12], r[13]
    return columns, lo, {**a, **b, **ints}


def summarize(config: ExperimentConfig, columns, arrays: dict, rho: float | None) -> list[dict]:
    """Per width: ratio statistics, second-order prediction, PAC-Bayes terms."""
    out = []
    G0 = arrays["G0"]
    for j, h in enumerate(columns):
        keep = np.isfinite(arrays["G"][:, j])
        if not keep.any():
            continue
        s = {"H": int(h), **width_statistics(arrays["G"][keep, j], G0[keep])}
        ex = float(np.mean(arrays["excess2"][keep, j]))
        s["predicted_excess"] = ex
        s["predicted_ratio_of_means"] = predicted_ratio_of_means(ex, s["mean_G_H0"])
        tol = PREDICTION_REL_TOL * abs(ex) + PREDICTION_SE * s["se_excess"]
        s["prediction_tolerance"] = tol
        s["prediction_agrees"] = bool(abs(s["excess"] - ex) <= tol)
        if rho is not None:
            kl = kl_gaussian(n_params(int(h)), rho, config.prior_sd, arrays["norm2"][keep, j])
            kl0 = kl_gaussian(n_params(int(arrays["h0"][0])), rho, config.prior_sd, arrays["norm2_0"][keep])
            emp, emp0 = float(np.mean(arrays["risk"][keep, j])), float(np.mean(arrays["risk0"][keep]))
            s["pac_bayes"] = {
                "kl": float(np.mean(kl)), "kl_H0": float(np.mean(kl0)),
                "empirical": emp, "empirical_H0": emp0,
                "bound": float(pac_bayes_bound(emp, np.mean(kl), config.n, config.delta)),
                "bound_H0": float(pac_bayes_bound(emp0, np.mean(kl0), config.n, config.delta)),
            }
        out.append(s)
    return out


def claims(summaries: dict[str, list[dict]]) -> dict:
    """The paper's claim, tested (spec I17): tanh rises with H, ReLU stays at 1."""
    out = {}
    if "tanh" in summaries and summaries["tanh"]:
        s = summaries["tanh"]
        hs = [r["H"] for r in s]
        means = [r["mean_ratio"] for r in s]
        at10 = next((r for r in s if r["H"] >= 10), s[-1])
        rho_s = spearman(hs, means) if len(hs) > 1 else float("nan")
        out["tanh_increasing"] = {
            "spearman": rho_s, "threshold": 0.9, "passed": bool(rho_s > 0.9),
            "statement": "mean ratio increasing in H (Spearman rank correlation > 0.9)",
        }
        out["tanh_above_one_by_10"] = {
            "H": at10["H"], "mean_ratio": at10["mean_ratio"], "se": at10["se_ratio"],
            "passed": bool(at10["mean_ratio"] - 2 * at10["se_ratio"] > 1.0),
            "statement": "mean ratio at H = 10 above 1 by more than 2 standard errors",
        }
        bad = [r["H"] for r in s if not r["prediction_agrees"]]
        out["tanh_prediction"] = {
            "passed": not bad, "failing_H": bad,
            "statement": (f"measured excess E G_H - E G_H0 within {PREDICTION_REL_TOL:.0%} of the "
                          f"second-order prediction + {PREDICTION_SE:g} standard errors, for every H"),
        }
    if "relu" in summaries and summaries["relu"]:
        s = summaries["relu"]
        worst = max(s, key=lambda r: abs(r["mean_ratio"] - 1.0))
        out["relu_flat"] = {
            "worst_H": worst["H"], "worst_mean_ratio": worst["mean_ratio"],
            "passed": bool(all(abs(r["mean_ratio"] - 1.0) <= 0.01 for r in s)),
            "statement": "mean ratio within 1% of 1 for every H",
        }
    return out


def build_results(config: ExperimentConfig, per_activation: dict, shard=None, extra: dict | None = None) -> dict:
    """The results document.

    Arguments:
        per_activation: activation -> dict(columns, lo, arrays, network (record or None),
            rho (float or None), quadrature (dict)).
    """
    rows, acts, summaries = [], {}, {}
    for act in config.activations:
        p = per_activation[act]
        rows += rows_of(act, p["columns"], p["lo"], p["arrays"])
        summaries[act] = summarize(config, p["columns"], p["arrays"], p.get("rho"))
        acts[act] = {
            "H0": p["network"]["H0"] if p.get("network") else None,
            "rho": p.get("rho"),
            "surplus_rule": config.surplus_rule(act),
            "widths": [int(h) for h in p["columns"]],
            "network": p.get("network"),
            "quadrature": p.get("quadrature"),
            "summary": summaries[act],
        }
    doc = {
        "format": FORMAT,
        "options": config.to_dict(),
        "random_streams": {
            "trial": "numpy.random.default_rng([seed, activation_code, trial]): 2(Hmax-H0) normals "
                     "for the surplus incoming weights, then 3 Hmax + 1 normals for the noise on [w, b, v, c]",
            "activation_codes": _codes(config),
        },
        "versions": versions(),
        "shard": None if shard is None else {"index": shard[0], "count": shard[1]},
        "activations": acts,
        "claims": claims(summaries),
        "columns": list(COLUMNS),
        "rows": rows,
    }
    if extra:
        doc.update(extra)
    return doc


def _codes(config):
    from numerics.experiment.config import ACTIVATION_CODES

    return {a: ACTIVATION_CODES[a] for a in config.activations}
