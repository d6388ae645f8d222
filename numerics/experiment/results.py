"""The results document of a Figure-2 run (``results.json``): rows, summaries, claims.

Built from per-trial arrays only, so a merged set of shards gives the same document as one
unsharded run: rows are the source of truth (floats round-trip exactly through JSON/CSV).
Timing is kept out of this document (``timing.json``).
"""

from __future__ import annotations

import math
import platform

import mpmath
import numpy as np

import theory
from numerics.experiment.config import ACTIVATION_CODES, ExperimentConfig
from numerics.experiment.prediction import kl_gaussian, n_params, pac_bayes_bound, predicted_ratio_of_means
from numerics.experiment.claims import claims
from numerics.experiment.statistics import width_statistics

FORMAT = "semiflat.fig2/1"
COLUMNS = ("activation", "H", "H0", "trial", "ratio", "G_H", "G_H0", "risk_H", "risk_H0",
           "norm2_H", "norm2_H0", "excess2_H", "data_seed", "skipped_data_seeds",
           "pred_H", "bound2_H", "pchange_H", "sharp_H", "sharp_H0", "trace_H", "trace_H0")
# Row column -> (array key, per width?) for every float column after "ratio".
_FLOAT_COLUMNS = {"G_H": ("G", True), "G_H0": ("G0", False), "risk_H": ("risk", True), "risk_H0": ("risk0", False),
                  "norm2_H": ("norm2", True), "norm2_H0": ("norm2_0", False), "excess2_H": ("excess2", True),
                  "pred_H": ("pred", True), "bound2_H": ("bound2", True), "pchange_H": ("pchange", True),
                  "sharp_H": ("sharp", True), "sharp_H0": ("sharp0", False), "trace_H": ("trace", True),
                  "trace_H0": ("trace0", False)}
PREDICTION_SE = 3.0
PREDICTION_QUADRATURE = 1e-4
"""Relative quadrature error allowed for the exact prediction (measured: <= 1e-6, results.json ``quadrature``)."""


def versions() -> dict:
    """Versions of Python, numpy, mpmath and semiflat, for the result record (docs/experiment.md)."""
    return {"python": platform.python_version(), "numpy": np.__version__, "mpmath": mpmath.__version__,
            "semiflat": theory.__version__}


def rows_of(activation: str, columns, lo: int, arrays: dict) -> list[list]:
    """One row per (H, trial) with a value, in the order H, trial (columns :data:`COLUMNS`)."""
    out = []
    G, G0 = arrays["G"], arrays["G0"]
    for j, h in enumerate(columns):
        for i in range(G.shape[0]):
            g = G[i, j]
            if not math.isfinite(g):
                continue
            row = [activation, int(h), int(arrays["h0"][i]), lo + i, float(g / G0[i])]
            for name in COLUMNS[5:]:
                if name == "data_seed":
                    row.append(int(arrays["data_seed"][i]))
                elif name == "skipped_data_seeds":
                    row.append(int(arrays["skipped"][i]))
                else:
                    key, wide = _FLOAT_COLUMNS[name]
                    row.append(float(arrays[key][i, j] if wide else arrays[key][i]))
            out.append(row)
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
    out = {}
    for key, wide in _FLOAT_COLUMNS.values():
        out[key] = np.full((T, len(columns)), np.nan) if wide else np.zeros(T)
    for key in ("h0", "data_seed", "skipped"):
        out[key] = np.zeros(T, dtype=int)
    pos = {name: k for k, name in enumerate(COLUMNS)}
    for r in mine:
        i, j = r[3] - lo, col[r[1]]
        for name, (key, wide) in _FLOAT_COLUMNS.items():
            v = r[pos[name]]
            v = float("nan") if v is None else v
            if wide:
                out[key][i, j] = v
            else:
                out[key][i] = v
        out["h0"][i], out["data_seed"][i], out["skipped"][i] = r[2], r[pos["data_seed"]], r[pos["skipped_data_seeds"]]
    return columns, lo, out


def summarize(config: ExperimentConfig, columns, arrays: dict, rho: float | None,
              prediction_error: float | None = None) -> list[dict]:
    """Per width: ratio statistics, predictions with their tolerances, flatness, PAC-Bayes terms.

    Predictions (docs/experiment.md "Predictions"): ``predicted_excess`` is the mean of the exact
    per-trial prediction (P); it is compared with the measured excess through the paired
    differences d_t = (G_H - G_H0)_t - pred_t: agreement when |mean d| <= Z se(d) + q |pred|, with
    Z = PREDICTION_SE and q the prediction's quadrature error (measured, at least
    PREDICTION_QUADRATURE). ``excess_z`` = excess / se(excess) says whether the excess is
    distinguishable from 0.
    """
    out = []
    G0 = arrays["G0"]
    q = max(PREDICTION_QUADRATURE, prediction_error or 0.0)
    for j, h in enumerate(columns):
        keep = np.isfinite(arrays["G"][:, j])
        if not keep.any():
            continue
        s = {"H": int(h), **width_statistics(arrays["G"][keep, j], G0[keep])}
        pred = arrays["pred"][keep, j]
        d = arrays["G"][keep, j] - G0[keep] - pred
        t = int(keep.sum())
        se_d = float(np.std(d, ddof=1) / math.sqrt(t)) if t > 1 else float("nan")
        ex = float(np.mean(pred))
        s["predicted_excess"] = ex
        s["predicted_excess_2nd"] = float(np.mean(arrays["excess2"][keep, j]))
        b2 = arrays["bound2"][keep, j]
        s["bound_2nd"] = float(np.mean(b2)) if np.all(np.isfinite(b2)) else None
        s["predicted_ratio_of_means"] = predicted_ratio_of_means(ex, s["mean_G_H0"])
        s["prediction_residual"] = float(np.mean(d))
        s["se_residual"] = se_d
        s["prediction_tolerance"] = PREDICTION_SE * se_d + q * abs(ex)
        s["prediction_agrees"] = bool(abs(float(np.mean(d))) <= s["prediction_tolerance"])
        s["excess_z"] = (s["excess"] / s["se_excess"] if s["se_excess"] > 0
                         else (0.0 if s["excess"] == 0 else float("inf")))
        pc = arrays["pchange"][keep, j]
        if np.all(np.isfinite(pc)):
            s["predicted_fraction_changed"] = float(np.mean(pc))
            s["se_fraction_changed"] = float(math.sqrt(max(float(np.mean(pc * (1 - pc))), 0.0) / t))
            # Rare events: when fewer than one trial is predicted to change and none did, the
            # paired s.e. (0) says nothing; the outcome is the predicted one.
            if t * s["predicted_fraction_changed"] < 1.0 and s["fraction_changed"] == 0.0:
                s["prediction_agrees"] = True
                s["prediction_note"] = (f"no trial changed; predicted {t * s['predicted_fraction_changed']:.2g} "
                                        f"changed trials of {t}")
        s["flatness"] = {
            "trace": float(np.mean(arrays["trace"][keep, j])), "trace_H0": float(np.mean(arrays["trace0"][keep])),
            "e_sharpness": float(np.mean(arrays["sharp"][keep, j])),
            "se_e_sharpness": float(np.std(arrays["sharp"][keep, j], ddof=1) / math.sqrt(t)) if t > 1 else None,
            "e_sharpness_H0": float(np.mean(arrays["sharp0"][keep])),
            "norm": float(np.mean(np.sqrt(arrays["norm2"][keep, j]))),
        }
        if rho is not None:
            s["flatness"]["predicted_e_sharpness"] = 0.5 * rho**2 * s["flatness"]["trace"]
            kl = kl_gaussian(n_params(int(h)), rho, config.prior_sd, arrays["norm2"][keep, j])
            kl0 = kl_gaussian(n_params(int(arrays["h0"][0])), rho, config.prior_sd, arrays["norm2_0"][keep])
            emp, emp0 = float(np.mean(arrays["risk"][keep, j])), float(np.mean(arrays["risk0"][keep]))
            bound = float(pac_bayes_bound(emp, np.mean(kl), config.n, config.delta))
            bound0 = float(pac_bayes_bound(emp0, np.mean(kl0), config.n, config.delta))
            s["pac_bayes"] = {
                "kl": float(np.mean(kl)), "kl_H0": float(np.mean(kl0)),
                "empirical": emp, "empirical_H0": emp0, "bound": bound, "bound_H0": bound0,
                "vacuous": bool(bound > 1.0), "vacuous_H0": bool(bound0 > 1.0),
            }
        out.append(s)
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
        summaries[act] = summarize(config, p["columns"], p["arrays"], p.get("rho"),
                                   (p.get("quadrature") or {}).get("prediction_rel_error"))
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
            "trial": "numpy.random.default_rng([seed, activation_code, trial]): the surplus incoming weights "
                     "(rules gaussian/domain: 2(Hmax-H0) normals; data: rounds of 2(4(Hmax-H0)+8) normals, the first "
                     "accepted pairs in order), then 3 Hmax + 1 normals for the noise on [w, b, v, c]",
            "activation_codes": _codes(config),
        },
        "versions": versions(),
        "shard": None if shard is None else {"index": shard[0], "count": shard[1]},
        "activations": acts,
        "claims": claims(config, summaries),
        "columns": list(COLUMNS),
        "rows": rows,
    }
    if extra:
        doc.update(extra)
    return doc


def _codes(config):
    return {a: ACTIVATION_CODES[a] for a in config.activations}
