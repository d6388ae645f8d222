"""Sections of the Figure-2 report.md beyond the main table: sensitivity, flatness, PAC-Bayes.

Each function returns Markdown lines from a results document (docs/experiment.md).
"""

from __future__ import annotations


def _f(v, digits=4):
    if v is None:
        return "n/a"
    return f"{v:.{digits}g}" if isinstance(v, float) else str(v)


def sensitivity_lines(doc: dict) -> list[str]:
    """The sensitivity study (fig2c.png) as a table: ratio at the largest H per variant."""
    sens = doc.get("sensitivity")
    if not sens:
        return ["## Sensitivity", "", "Not computed (retrain protocol, shard, or --sensitivity-trials 0).", ""]
    acts = list(sens["variants"][0]["activations"])
    H = sens["variants"][0]["activations"][acts[0]]["summary"][-1]["H"]
    L = ["## Sensitivity (fig2c.png)", "",
         f"Phase 2 repeated on the first {sens['trials']} trials under other surplus rules, margins and rho rules, "
         "the same rule for both activations. Ratio of means at H = "
         f"{H}: measured ± s.e. / predicted (exact, eq. P); for ReLU whether the flat claim holds and whether that "
         "was a test.", "",
         "![Figure 2(c)](fig2c.png)", "",
         "| variant | " + " | ".join(f"{a}: measured / predicted" for a in acts) + " | relu: claim | rho |",
         "|---|" + "---|" * len(acts) + "---|---|"]
    for v in sens["variants"]:
        cells = []
        for a in acts:
            r = v["activations"][a]["summary"][-1]
            cells.append(f"{r['ratio_of_means']:.4f} ± {_f(r['se_ratio_of_means'], 2)} / {r['predicted_ratio_of_means']:.4f}")
        relu = v["activations"].get("relu")
        claim = "n/a"
        if relu:
            claim = ("holds" if relu["relu_flat"] else "FAILS") + (
                " (by construction)" if relu["relu_claim_kind"] != "tested" else " (tested)")
        rhos = ", ".join(f"{a} {_f(v['activations'][a]['rho'], 4)}" for a in acts)
        L.append(f"| {v['label']} | " + " | ".join(cells) + f" | {claim} | {rhos} |")
    return L + [""]


def flatness_lines(doc: dict) -> list[str]:
    """Hessian trace and E-sharpness per H and activation, at the run's rho and at equal ||theta||."""
    L = ["## Flatness beside generalization", "",
         "At the embedded zero-error point the Hessian of the mean squared training error is (2/n) JᵀJ (Theorem 9); "
         "its trace grows by (2/n) Σ_k Σ_i φ(w_k x_i + b_k)² with the surplus units, which is 0 for ReLU units "
         "inactive on the data. E-sharpness = E_ε R̂(θ + ε) at the perturbation (predicted (ρ²/2) tr to second order).", "",
         "| activation | H | trace | E-sharpness ± s.e. | (ρ²/2) trace | ||θ_H|| |", "|---|---|---|---|---|---|"]
    for act, a in doc["activations"].items():
        for r in a["summary"]:
            if r["H"] not in _pick(a["summary"]):
                continue
            fl = r["flatness"]
            L.append(f"| {act} | {r['H']} | {fl['trace']:.4g} (H0: {fl['trace_H0']:.4g}) | "
                     f"{fl['e_sharpness']:.4g} ± {_f(fl['se_e_sharpness'], 2)} (H0: {fl['e_sharpness_H0']:.4g}) | "
                     f"{_f(fl.get('predicted_e_sharpness'))} | {fl['norm']:.4g} |")
    an = doc.get("analyses")
    if an:
        L += ["", f"At equal ||θ_H0|| = {an['common_norm']:.4g} (the ReLU N_H0 rescaled by positive homogeneity, "
              f"the flatter of the two rescalings; both perturbed with ρ = {an['rho_common']:.4g}; "
              f"{an['trials']} trials):", "",
              "| activation | H | trace | E-sharpness ± s.e. | ||θ_H|| |", "|---|---|---|---|---|"]
        for act, f in an["flatness_equal_norm"].items():
            for r in f["rows"]:
                L.append(f"| {act} | {r['H']} | {r['trace']:.4g} | {r['e_sharpness']:.4g} ± {_f(r['se_e_sharpness'], 2)} | "
                         f"{r['norm']:.4g} |")
        L += ["", _flatness_sentence(an)]
    return L + [""]


def _pick(summary):
    hs = [r["H"] for r in summary]
    return {hs[0], min(hs, key=lambda h: abs(h - 10)), hs[-1]}


def _flatness_sentence(an) -> str:
    rows = {a: f["rows"] for a, f in an["flatness_equal_norm"].items()}
    if not {"tanh", "relu"} <= set(rows):
        return ""
    t, r = rows["tanh"], rows["relu"]
    grow = {a: rows[a][-1]["trace"] - rows[a][0]["trace"] for a in rows}
    flatter = r[0]["trace"] < t[0]["trace"]
    return (f"At equal norm the ReLU N_H0 is {'flatter' if flatter else 'sharper'} than the tanh N_H0 "
            f"(trace {r[0]['trace']:.4g} vs {t[0]['trace']:.4g}); the surplus units add {grow['relu']:.4g} to the "
            f"ReLU trace and {grow['tanh']:.4g} to the tanh trace up to H = {t[-1]['H']}. So 'ReLU minima are "
            f"flatter' holds for the increase with surplus units"
            + ("" if flatter else ", not for the curvature of the narrow network itself") + ".")


def pac_bayes_lines(doc: dict) -> list[str]:
    """Isotropic and optimised PAC-Bayes bounds, vacuity, and the comparison at equal norms."""
    an = doc.get("analyses")
    if not an:
        return ["## PAC-Bayes", "", "Not computed (retrain protocol or relative rho).", ""]
    L = ["## PAC-Bayes", "",
         "Bound for the squared error clipped to [0, 1]: E_Q R̂ + sqrt((KL + ln(2√n/δ)) / (2n)); above 1 it says "
         "nothing (**vacuous**). Isotropic: Q = N(θ_H, ρ²I), P = N(0, σ_P² I). Optimised: one variance per "
         "coordinate (capped, from the Gauss-Newton diagonal), σ_P from a grid (union bound); E_Q R̂ by Monte "
         "Carlo. 'equal norm': ||θ_H||² in KL replaced by the mean over the activations.", "",
         "| activation | H | isotropic bound | optimised bound | optimised at equal norm | E_Q R̂ (opt.) | KL (opt.) |",
         "|---|---|---|---|---|---|---|"]
    vac = []
    for act, rows in an["pac_bayes"].items():
        for r in rows:
            i, o = r["isotropic"], r["optimised"]
            vac += [i["vacuous"], o["vacuous"]]
            L.append(f"| {act} | {r['H']} | {i['bound']:.4g}{' (vacuous)' if i['vacuous'] else ''} | "
                     f"{o['bound']:.4g}{' (vacuous)' if o['vacuous'] else ''} | {_f(o.get('bound_equal_norm'))} | "
                     f"{o['empirical']:.4g} ± {_f(o['se_empirical'], 2)} | {o['kl']:.4g} |")
    L.append("")
    if all(vac):
        L.append(f"Every bound is vacuous at n = {doc['options']['n']}: on these instances PAC-Bayes cannot rank "
                 "the two activations by generalization; only the *increments* below compare them.")
    inc = pac_bayes_increments(an)
    if inc:
        L.append(f"Increment of the optimised bound at equal norm from H0 to H = {inc['H']}: tanh {inc['tanh']:+.4g}, "
                 f"ReLU {inc['relu']:+.4g}: the paper's comparison (smaller for ReLU) "
                 + ("holds" if inc["relu"] < inc["tanh"] else "does NOT hold") + " on these instances.")
    return L + [""]


def pac_bayes_increments(an) -> dict | None:
    """Optimised bound at equal norm, largest H minus H0, per activation (None without both)."""
    pb = an.get("pac_bayes") or {}
    if not {"tanh", "relu"} <= set(pb):
        return None
    out = {"H": pb["tanh"][-1]["H"]}
    for a in ("tanh", "relu"):
        rows = pb[a]
        out[a] = rows[-1]["optimised"]["bound_equal_norm"] - rows[0]["optimised"]["bound_equal_norm"]
    return out
