"""Outputs of `semiflat experiment fig2`: results.json, results.csv, timing.json, figures, report.md.

``results.json`` depends only on the options (not on workers, chunking, interruptions or
sharding); run-time facts go to ``timing.json``. Every file is written atomically, and only
once the run is complete, so partial results never replace a finished file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath
import numpy as np

from numerics.dataset import Dataset
from numerics.experiment.analyses import analyses
from numerics.experiment.base import BaseNetwork
from numerics.experiment.claims import verdict as claims_verdict
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.evaluate import quadrature_check
from numerics.experiment.perturbation import rho_of
from numerics.experiment.results import COLUMNS, build_results
from numerics.experiment.runner import RunOutcome
from numerics.experiment.sensitivity import sensitivity
from numerics.io.network_file import save_network
from numerics.precision import workdps
from proofs_check.reports import fig2_figures
from proofs_check.reports import fig2_sections
from numerics.io.atomic import write_atomic
from theory.architecture import Architecture
from theory.params import Params

RHO_PER_NETWORK = ("norm", "match", "absolute")
"""Rho rules with one rho per network (PAC-Bayes with an isotropic posterior needs one)."""
RESULT_FILES = ("results.json", "results.csv", "timing.json", "fig2a.png", "fig2b.png", "fig2c.png", "report.md",
                "trained_<activation>.json")


def document(outcome: RunOutcome) -> dict:
    """The results document of a finished run (or shard)."""
    config = outcome.config
    per = {}
    norms = {run.activation: float(np.linalg.norm(run.base.theta)) for run in outcome.runs if run.base is not None}
    for run in outcome.runs:
        base = run.base
        rho = rho_of(base, config, norms) if base is not None and config.rho_rule in RHO_PER_NETWORK else None
        if config.rho_rule == "absolute":
            rho = config.rho_scale
        per[run.activation] = {
            "columns": run.columns, "lo": run.lo, "arrays": run.arrays,
            "network": base.to_record() if base is not None else None,
            "rho": rho,
            "quadrature": quadrature_check(base, config, range(min(20, config.trials)), rho) if base is not None else None,
        }
    doc = build_results(config, per, outcome.shard)
    return add_analyses(doc) if outcome.shard is None else doc


def add_analyses(doc: dict) -> dict:
    """The sensitivity study, flatness at equal norms and PAC-Bayes tables (perturb protocol only).

    Computed from the networks recorded in ``doc`` (exact float round trip), so a merged set of
    shards gets the same tables as one run."""
    config = ExperimentConfig.from_dict(doc["options"])
    bases = {a: BaseNetwork.from_record(v["network"]) for a, v in doc["activations"].items() if v.get("network")}
    if config.protocol != "perturb" or set(bases) != set(config.activations):
        bases = {}
    doc["sensitivity"] = sensitivity(config, bases)
    doc["analyses"] = analyses(config, bases)
    return doc


def clean(obj):
    """NaN/inf -> None (strict JSON)."""
    if isinstance(obj, list) and obj and isinstance(obj[0], list):
        if all(math.isfinite(v) for r in obj for v in r if isinstance(v, float)):
            return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    return obj


def results_json(doc: dict) -> str:
    """Deterministic text: the header indented, one row per line."""
    head = clean({k: v for k, v in doc.items() if k != "rows"})
    text = json.dumps(head, indent=1, sort_keys=False)
    # One C-encoder call; rows hold no strings with "], [" so the split is safe.
    # NaN/inf -> null by token: rows hold only activation names, ints and floats, so the
    # tokens NaN/Infinity can only be float values.
    body = json.dumps(doc["rows"])[1:-1]
    body = body.replace("-Infinity", "null").replace("Infinity", "null").replace("NaN", "null")
    rows = "  " + body.replace("], [", "],\n  [") if body else ""
    return text[:-2] + ',\n "rows": [\n' + rows + "\n ]\n}\n"


def results_csv(doc: dict) -> str:
    """The experiment's result rows as CSV text: a header of ``COLUMNS``, then one line per row."""
    lines = [",".join(COLUMNS)]
    for r in doc["rows"]:
        lines.append(",".join(_csv_value(v) for v in r))
    return "\n".join(lines) + "\n"


def _csv_value(v) -> str:
    """repr for floats (round-trips), empty for a missing value (None or NaN)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return repr(v) if isinstance(v, float) else str(v)


def write_outputs(doc: dict, out, timing: dict | None = None, figures: bool = True,
                  report: bool = True) -> list[Path]:
    """Write the output files of a run into ``out``; returns the written paths.

    A shard writes only results.json, results.csv and timing.json; ``figures=False`` skips the
    PNGs, ``report=False`` the report and the trained-network files."""
    out = Path(out)
    written = []
    for name, text in (("results.json", results_json(doc)), ("results.csv", results_csv(doc))):
        write_atomic(out / name, text)
        written.append(out / name)
    if timing is not None:
        write_atomic(out / "timing.json", json.dumps(clean(timing), indent=1) + "\n")
        written.append(out / "timing.json")
    if doc.get("shard") is not None:
        return written
    if figures:
        fig2_figures.figure_2a(doc, out / "fig2a.png")
        fig2_figures.figure_2b(doc, out / "fig2b.png")
        written += [out / "fig2a.png", out / "fig2b.png"]
        if fig2_figures.figure_2c(doc, out / "fig2c.png"):
            written.append(out / "fig2c.png")
    if report:
        written += save_trained_networks(doc, out)
        write_atomic(out / "report.md", report_markdown(doc, timing, figures))
        written.append(out / "report.md")
    return written


def save_trained_networks(doc: dict, out: Path) -> list[Path]:
    """trained_<activation>.json (semiflat.network/1, exact parameters, with the training data)."""
    paths = []
    for act, a in doc["activations"].items():
        net = a.get("network")
        if not net:
            continue
        arch = Architecture(tuple(net["architecture"]["widths"]), act)
        with workdps(50):
            params = Params.from_vector(arch, [mpmath.mpf(t) for t in net["parameters_exact"]])
        data = Dataset(np.asarray(net["data"]["x"], float), np.asarray(net["data"]["y"], float))
        path = out / f"trained_{act}.json"
        save_network(path, arch, params, dps=50, data=data,
                     provenance={"command": "semiflat experiment fig2", "data_seed": net["data_seed"],
                                 "sse": net["sse"], "H0": net["H0"]})
        paths.append(path)
    return paths


def verdict(doc: dict) -> str:
    """``reproduced`` / ``NOT reproduced`` from the tested claims only, or ``not evaluated``."""
    return claims_verdict(doc["claims"], doc["options"]["activations"])


# --- report -----------------------------------------------------------------------------------

OPTION_NOTES = {
    "trials": "trials T (paper: 1000)",
    "hmax": "largest width H",
    "hgrid": "widths evaluated (null: every integer H0+1..hmax)",
    "activations": "one data set, teacher N_1 and trained N_H0 per activation",
    "protocol": "perturb: trials are perturbation draws of one trained network; retrain: new data set and training per trial",
    "h0": "narrow width; infeasible data sets are redrawn (data_seed, data_seed+1, ...) and counted; auto = minimal width",
    "surplus": "ReLU surplus incoming weights, N(0, surplus_scale^2) pairs: data = conditioned on inactive on the training inputs (Thm 9); domain = dead on [x_low, x_high] with the margin (ReLU ratio 1 by construction); gaussian = unconditioned (not dead)",
    "surplus_smooth": "the same rules for smooth activations (default gaussian)",
    "margin": "margin m of the dead rules: w x + b <= -m",
    "surplus_scale": "sd of the surplus incoming weights before conditioning",
    "rho_rule": "norm: rho = rho_scale * ||theta_H0||_2 per network; match: one rho for all networks (rho_scale * mean norm); absolute: rho = rho_scale; relative: coordinate k gets rho_scale*|theta_k|",
    "rho_scale": "the 0.01 of the paper",
    "monte_carlo": "0: deterministic quadrature (exact for ReLU); N: fixed uniform test sample of N points",
    "panels": "Gauss-Legendre panels (5 nodes each) for smooth activations",
    "seed": "root seed of the surplus and perturbation draws",
    "data_seed": "first data seed",
    "n": "training points", "noise": "output noise sd (variance 1e-2)",
    "x_low": "input domain (uniform)", "x_high": "input domain (uniform)",
    "teacher": "teacher N_1: fixed (w*, b*, v*, c*) = (1, 0, 1, 0)",
    "train_seed": "trainer seed", "prior_sd": "PAC-Bayes prior sd sigma_P", "delta": "PAC-Bayes confidence",
    "max_data_redraws": "data seeds tried before giving up",
    "sensitivity_trials": "trials per variant of the sensitivity study (fig2c.png; perturb protocol)",
}


def summary_lines(doc: dict) -> list[str]:
    """One sentence per activation with the headline numbers."""
    out = []
    for act, a in doc["activations"].items():
        s = a["summary"]
        if not s:
            continue
        pick = [r for r in s if r["H"] == 10] + [s[-1]]
        parts = [f"H = {r['H']}: mean ratio {r['mean_ratio']:.4f} ± {r['se_ratio']:.4f}, ratio of means "
                 f"{r['ratio_of_means']:.4f} (predicted {r['predicted_ratio_of_means']:.4f})" for r in pick]
        line = f"- {act}: " + "; ".join(parts)
        line += f"; G(N_H) = G(N_H0) exactly in {100 * (1 - s[-1]['fraction_changed']):.1f}% of trials at H = {s[-1]['H']}"
        pb0, pb1 = s[0].get("pac_bayes"), s[-1].get("pac_bayes")
        if pb0 and pb1:
            line += (f"; PAC-Bayes empirical term E_Q R̂ {pb0['empirical_H0']:.4g} (H0) -> {pb1['empirical']:.4g} "
                     f"(H = {s[-1]['H']}), KL {pb0['kl_H0']:.4g} -> {pb1['kl']:.4g}")
        out.append(line + ".")
    return out


def _fmt(v, digits=4):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def report_markdown(doc: dict, timing: dict | None = None, figures: bool = True) -> str:
    """The Figure-2 report in Markdown: verdict, claim table, protocol and per-width results.

    Arguments:
        doc: the experiment's result document.
        timing: optional phase timings to include.
        figures: whether the figures were drawn (linked) or skipped (``--no-figures``).
    """
    opts = doc["options"]
    v = verdict(doc)
    L = ["# Figure 2: generalization error after embedding by inactive units", ""]
    L += [f"Verdict on the paper's claim (tanh generalization error increases with surplus units, ReLU does "
          f"not): **{v}**" + (" (the claim is about tanh and relu; run them to evaluate it)" if v == "not evaluated" else "")
          + ".", ""]
    L += ["The verdict counts only the claims marked *tested*; a claim that is true by construction under "
          "this protocol could not have failed and is shown for completeness.", "",
          "| claim | could it fail? | evidence | result |", "|---|---|---|---|"]
    for name, c in doc["claims"].items():
        ev = {k: v for k, v in c.items() if k not in ("statement", "passed", "kind")}
        L.append(f"| {c['statement']} | {c.get('kind', 'tested')} | {', '.join(f'{k} = {_fmt(v)}' for k, v in ev.items())} | "
                 f"{'pass' if c['passed'] else 'FAIL'} |")
    L += [""] + summary_lines(doc)
    L += ["", "![Figure 2(a)](fig2a.png)", "", "![Figure 2(b)](fig2b.png)", ""] if figures else [
        "", "(figures not drawn: --no-figures)", ""]
    L += ["## Protocol", "",
          "See docs/experiment.md (P1-P8). Data: n training points x ~ U[x_low, x_high], targets from the teacher "
          "N_1 of the same activation plus N(0, noise^2). N_H0 is trained to squared training error < 1e-29 "
          "(verified at 50 digits; exactly 0 for ReLU). It is embedded into N_H by H - H0 inactive units "
          "(outgoing weight 0); every parameter of N_H is perturbed by N(0, rho^2). Trial t uses "
          "`numpy.random.default_rng([seed, activation_code, t])`; N_H0 gets the restriction of the same noise "
          "(common random numbers), and the widths are nested (N_H uses the first H units of N_Hmax). "
          "G(theta) = E_x (f(x; theta) - f*(x))^2 over x ~ U[x_low, x_high] against the noise-free teacher.", "",
          "| option | value | meaning |", "|---|---|---|"]
    for k, v in opts.items():
        L.append(f"| {k} | `{json.dumps(v)}` | {OPTION_NOTES.get(k, '')} |")
    L += [""]
    for act, a in doc["activations"].items():
        L += [f"## {act}", ""]
        net = a["network"]
        if net:
            skipped = net["skipped_data_seeds"]
            L += [f"- N_H0: H0 = {net['H0']}, data seed {net['data_seed']} ({len(skipped)} data seed(s) skipped"
                  + (": " + "; ".join(f"{s['data_seed']}: {s['reason']}" for s in skipped[:5]) + (" ..." if len(skipped) > 5 else "") if skipped else "")
                  + f"), squared training error {net['sse']}, ||theta_H0|| = {net['norm']:.6g}, rho = {_fmt(a['rho'], 6)}.",
                  f"- surplus incoming weights: {a['surplus_rule']}.",
                  f"- quadrature: {json.dumps(a['quadrature'])}", ""]
        L += ["| H | mean ratio ± s.e. | median [q1, q3] | ratio of means ± s.e. | predicted (exact) | "
              "excess measured | excess predicted (exact; 2nd order, bound) | agrees | G changed: measured / predicted |",
              "|---|---|---|---|---|---|---|---|---|"]
        for r in a["summary"]:
            pfc = r.get("predicted_fraction_changed")
            L.append(
                f"| {r['H']} | {r['mean_ratio']:.5f} ± {r['se_ratio']:.5f} | {r['median_ratio']:.5f} "
                f"[{r['q1_ratio']:.4f}, {r['q3_ratio']:.4f}] | {r['ratio_of_means']:.5f} ± {_fmt(r['se_ratio_of_means'], 3)} | "
                f"{r['predicted_ratio_of_means']:.5f} | {r['excess']:.4g} ± {_fmt(r['se_excess'], 2)} (z = {r['excess_z']:.2f}) | "
                f"{r['predicted_excess']:.4g} ({r['predicted_excess_2nd']:.4g} ± {_fmt(r['bound_2nd'], 2)}) | "
                f"{'yes' if r['prediction_agrees'] else 'NO'} | {r['fraction_changed']:.3f} / "
                f"{'n/a' if pfc is None else f'{pfc:.3f}'} |")
        L += [""]

    L += fig2_sections.sensitivity_lines(doc) + fig2_sections.flatness_lines(doc) + fig2_sections.pac_bayes_lines(doc)
    L += ["## Reading the numbers", "",
          "- Prediction (docs/experiment.md, eq. P): E G_H - E G_H0 = Σ_k sd(v_k)² E_x E_Z φ(μ_k(x) + s_k(x) Z)², "
          "exact because the noise on v_k has mean 0 (no cross terms); for ReLU it is the probability that the "
          "noise makes a surplus unit active at x times its expected square there. Per trial from the trial's own "
          "surplus weights; compared through the paired residual (G_H - G_H0) - prediction: agreement within "
          "3 s.e. + the quadrature error. z = excess / s.e. says whether the excess is distinguishable from 0. "
          "The second-order value replaces E_Z φ(μ + sZ)² by φ(μ)²; the bound is the proved (L/2) s² per unit "
          "(L = sup |(φ²)''| = 2 for tanh and ReLU).",
          "- 'G changed': the fraction of trials with G(N_H) != G(N_H0), against the predicted probability "
          "1 - Π_k (1 - p_k) that some surplus unit is active somewhere on the domain (ReLU).",
          "- PAC-Bayes (docs/theorems.md, T10): Q_H = N(theta_H, rho^2 I), P_H = N(0, sigma_P^2 I); KL averaged over trials; "
          "E_Q R̂ = mean clipped squared training error of the perturbed nets; bound = E_Q R̂ + "
          "sqrt((KL + ln(2 sqrt(n)/delta)) / (2n)) (per-width values in results.json, summary[].pac_bayes).",
          "- The mean of per-trial ratios (the paper's statistic) exceeds the ratio of means when G_H0 is "
          "heavy-tailed (Jensen); both are shown.", ""]
    L += ["## Files", "", "- `results.json`: every option, seed, network, summary and one row per (activation, H, trial)",
          "- `results.csv`: the same rows", "- `timing.json`: run time (kept apart so results.json is reproducible byte for byte)",
          "- `fig2a.png`, `fig2b.png`, `fig2c.png`: the figures (fig2c: sensitivity, perturb protocol only)",
          "- `trained_<activation>.json`: the trained N_H0 (semiflat.network/1, exact parameters, with its data)", ""]
    if timing:
        L += [f"Run time: {timing.get('total_seconds', 0):.1f} s (phase 2 {timing.get('phase2_seconds', 0):.1f} s, "
              f"{timing.get('executor')} executor, {timing.get('workers')} worker(s)).", ""]
    return "\n".join(L)
