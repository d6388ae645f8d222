"""The paper's Figure-2 claims, each saying whether it could have failed (docs/experiment.md "Claims").

A claim is *tested* when the protocol leaves its outcome open, and *true by construction under
this protocol* when the protocol forces it: with ReLU surplus units dead on the whole test
domain (surplus rule ``domain``), G(N_H) = G(N_H0) unless the noise revives a unit, and when the
predicted number of revived trials at the largest H is below one, the flat ratio could not have
come out otherwise at this sample size. The verdict of a run is built from the tested claims
only (:func:`verdict`).

Claims (the shape of Figure 2, with the predictions of :mod:`.prediction` in place of a fixed 10%):
- ``tanh_increasing``: tanh's mean ratio increases in H (Spearman > 0.9);
- ``tanh_above_one_by_10``: tanh's mean ratio at H = 10 exceeds 1 by more than 2 s.e.;
- ``tanh_prediction`` / ``relu_prediction``: the measured excess E G_H - E G_H0 agrees with the
  exact predicted excess at every H (3 s.e. of the paired residual + the quadrature error);
- ``relu_flat``: ReLU's mean ratio is within 1% + 2 s.e. of 1 at every H (no increase beyond the
  sampling error; the s.e. is shown, so a weak test is visible as such).
"""

from __future__ import annotations

from numerics.experiment.statistics import spearman

TESTED = "tested"
BY_CONSTRUCTION = "true by construction under this protocol"
KINDS = (TESTED, BY_CONSTRUCTION)
RELU_FLAT_TOLERANCE = 0.01
RELU_FLAT_SE = 2.0


def is_flat(row: dict) -> bool:
    """|mean ratio - 1| <= RELU_FLAT_TOLERANCE + RELU_FLAT_SE * s.e. for one width's statistics."""
    return abs(row["mean_ratio"] - 1.0) <= RELU_FLAT_TOLERANCE + RELU_FLAT_SE * row["se_ratio"]


def claims(config, summaries: dict[str, list[dict]]) -> dict:
    """The claims of a run, each with ``statement``, ``kind`` (:data:`KINDS`), ``passed`` and evidence."""
    out = {}
    s = summaries.get("tanh") or []
    if s:
        hs = [r["H"] for r in s]
        at10 = next((r for r in s if r["H"] >= 10), s[-1])
        rho_s = spearman(hs, [r["mean_ratio"] for r in s]) if len(hs) > 1 else float("nan")
        out["tanh_increasing"] = {
            "statement": "tanh: mean ratio increasing in H (Spearman rank correlation > 0.9)",
            "kind": TESTED, "passed": bool(rho_s > 0.9), "spearman": rho_s, "threshold": 0.9,
        }
        out["tanh_above_one_by_10"] = {
            "statement": "tanh: mean ratio at H = 10 above 1 by more than 2 standard errors",
            "kind": TESTED, "passed": bool(at10["mean_ratio"] - 2 * at10["se_ratio"] > 1.0),
            "H": at10["H"], "mean_ratio": at10["mean_ratio"], "se": at10["se_ratio"],
        }
        out["tanh_prediction"] = _prediction_claim("tanh", s)
    s = summaries.get("relu") or []
    if s:
        worst = max(s, key=lambda r: abs(r["mean_ratio"] - 1.0))
        last = s[-1]
        revived = config.trials * last.get("predicted_fraction_changed", 1.0)
        forced = config.relu_by_construction() and revived < 1.0
        out["relu_flat"] = {
            "statement": f"relu: mean ratio within {RELU_FLAT_TOLERANCE:.0%} + {RELU_FLAT_SE:g} s.e. of 1 for every H",
            "kind": BY_CONSTRUCTION if forced else TESTED,
            "passed": bool(all(is_flat(r) for r in s)),
            "worst_H": worst["H"], "worst_mean_ratio": worst["mean_ratio"], "worst_se": worst["se_ratio"],
            "predicted_changed_trials_at_Hmax": revived,
            "why": ("surplus units dead on the whole test domain: G(N_H) = G(N_H0) unless the noise revives one, "
                    f"predicted for {revived:.2g} of {config.trials} trials at H = {last['H']}") if forced else
                   f"surplus rule {config.surplus!r} leaves the outcome open",
        }
        out["relu_prediction"] = _prediction_claim("relu", s)
        if forced:
            out["relu_prediction"]["kind"] = BY_CONSTRUCTION
    return out


def _prediction_claim(activation: str, s: list[dict]) -> dict:
    bad = [r["H"] for r in s if not r["prediction_agrees"]]
    last = s[-1]
    return {
        "statement": (f"{activation}: measured excess E G_H - E G_H0 agrees with the exact predicted excess "
                      "within 3 s.e. of the paired residual + quadrature error, for every H"),
        "kind": TESTED, "passed": not bad, "failing_H": bad, "H": last["H"],
        "excess": last["excess"], "predicted_excess": last["predicted_excess"],
        "excess_z": last["excess_z"],
    }


def tested(claims_: dict) -> dict:
    """The claims whose outcome the protocol left open."""
    return {k: c for k, c in claims_.items() if c.get("kind", TESTED) == TESTED}


def verdict(claims_: dict, activations) -> str:
    """``reproduced`` / ``NOT reproduced`` from the tested claims, or ``not evaluated``.

    A suffix names what was not tested: activations not run, and claims that hold by construction.
    """
    if not claims_:
        return "not evaluated"
    t = tested(claims_)
    if not t:
        return "not evaluated (every claim holds by construction under this protocol)"
    word = "reproduced" if all(c["passed"] for c in t.values()) else "NOT reproduced"
    notes = []
    if not {"tanh", "relu"} <= set(activations):
        notes.append("only the parts of the run activations")
    forced = sorted(k for k in claims_ if k not in t)
    if forced:
        notes.append("not tested, true by construction: " + ", ".join(forced))
    return word + (f" ({'; '.join(notes)})" if notes else "")
