"""Figure 2(a) (data, teacher, fitted N_H0) and 2(b) (ratio vs H with the prediction)."""

from __future__ import annotations

import numpy as np

from numerics.experiment.generalization import phi_float
from numerics.io.atomic import atomic_path

COLORS = {"tanh": "tab:red", "relu": "tab:blue", "sigmoid": "tab:green", "softplus": "tab:purple", "gelu": "tab:orange"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _network_output(net: dict, x: np.ndarray, which: str) -> np.ndarray:
    act = net["activation"]
    if which == "teacher":
        t = net["teacher"]
        w, b, v = (np.asarray(t[k], float) for k in ("w", "b", "v"))
        c = float(t["c"])
    else:
        h0, p = net["H0"], np.asarray(net["parameters_float"], float)
        w, b, v, c = p[:h0], p[h0:2 * h0], p[2 * h0:3 * h0], float(p[-1])
    return c + np.sum(v[:, None] * phi_float(act, np.outer(w, x) + b[:, None]), axis=0)


def figure_2a(doc: dict, path) -> None:
    """One panel per activation: training data, noise-free teacher, fitted zero-error N_H0."""
    plt = _plt()
    acts = [a for a in doc["options"]["activations"] if doc["activations"][a]["network"]]
    fig, axes = plt.subplots(1, max(1, len(acts)), figsize=(5.2 * max(1, len(acts)), 4.2), squeeze=False)
    lo, hi = doc["options"]["x_low"], doc["options"]["x_high"]
    x = np.linspace(lo, hi, 2001)
    for ax, act in zip(axes[0], acts):
        net = doc["activations"][act]["network"]
        col = COLORS.get(act, "k")
        ax.plot(x, _network_output(net, x, "teacher"), "k--", lw=1.2, label="teacher $f^*$ (noise-free $N_1$)")
        ax.plot(x, _network_output(net, x, "fit"), color=col, lw=1.8,
                label=f"fitted $N_{{H_0}}$, $H_0={net['H0']}$ (SSE {float(net['sse']):.1g})")
        ax.plot(net["data"]["x"], net["data"]["y"], "o", color="k", ms=5, mfc="w", label=f"training data (n={len(net['data']['x'])})")
        if act == "relu":
            h0, p = net["H0"], np.asarray(net["parameters_float"], float)
            kinks = [-p[h0 + j] / p[j] for j in range(h0) if p[j] != 0 and lo < -p[h0 + j] / p[j] < hi]
            ax.plot(kinks, _network_output(net, np.asarray(kinks), "fit"), "v", color=col, ms=6, label="kinks of $N_{H_0}$")
        ax.set_xlabel("input x")
        ax.set_ylabel("output")
        ax.set_title(f"{act}: data seed {net['data_seed']}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle("Figure 2(a): training data, teacher and zero-error fits (squared error < 1e-29)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)


PROTOCOL_STYLE = {"perturb": dict(fmt="o-", mfc=None), "retrain": dict(fmt="s--", mfc="white")}
GOOD, BAD = "#1a7f37", "#c62828"


def _claim_text(doc: dict, act: str) -> tuple[str, str]:
    """A short verdict for ``act`` from its claims: (text, colour)."""
    mine = {k: c for k, c in doc["claims"].items() if k.startswith(act + "_")}
    if not mine:
        return "no claim evaluated", "gray"
    if all(c.get("kind") != "tested" for c in mine.values()):
        return "true by construction (not a test)", "gray"
    ok = all(c["passed"] for c in mine.values() if c.get("kind") == "tested")
    what = "rises with H" if act == "tanh" else "stays at 1"
    return (f"paper: {what} - holds" if ok else f"paper: {what} - FAILS"), (GOOD if ok else BAD)


def figure_2b(docs, path) -> None:
    """Ratio G(N_H)/G(N_H0) vs H, one panel per activation, one curve per protocol (docs/experiment.md).

    Arguments:
        docs: one results document or a list of them (e.g. the perturb and retrain runs).
    """
    plt = _plt()
    docs = [docs] if isinstance(docs, dict) else list(docs)
    acts = [a for a in docs[0]["options"]["activations"] if any(d["activations"].get(a, {}).get("summary") for d in docs)]
    fig, axes = plt.subplots(1, max(1, len(acts)), figsize=(6.2 * max(1, len(acts)), 4.8), squeeze=False)
    for ax, act in zip(axes[0], acts):
        col = COLORS.get(act, "k")
        for doc in docs:
            s = doc["activations"].get(act, {}).get("summary")
            if not s:
                continue
            proto = doc["options"]["protocol"]
            st = PROTOCOL_STYLE.get(proto, PROTOCOL_STYLE["perturb"])
            H = np.array([r["H"] for r in s])
            ax.errorbar(H, [r["mean_ratio"] for r in s], yerr=[r["se_ratio"] for r in s], fmt=st["fmt"], color=col,
                        mfc=st["mfc"] or col, ms=4, capsize=2, lw=1.4,
                        label=f"{proto}: mean ratio $\\pm$ s.e. ({doc['options']['trials']} trials)")
            if proto == "perturb":  # under retrain the ratio of means is dominated by a few data sets (report.md)
                ax.plot(H, [r["predicted_ratio_of_means"] for r in s], ":", color="k", lw=1.2,
                        label=f"{proto}: predicted ratio of means (exact, eq. P)")
                ax.plot(H, [r["ratio_of_means"] for r in s], "x", color=col, ms=4, label=f"{proto}: measured ratio of means")
        ax.axhline(1.0, color="gray", lw=0.8)
        if act == "relu":
            ax.axhspan(0.99, 1.01, color=GOOD, alpha=0.12, label="1% band (claim: within 1% + 2 s.e.)")
        rule = docs[0]["activations"][act].get("surplus_rule")
        ax.set_title(f"{act} (surplus rule {rule})", fontsize=10)
        for i, d in enumerate(docs):
            text, colour = _claim_text(d, act)
            ax.text(0.02, 0.97 - 0.075 * i, f"{d['options']['protocol']}: {text}", transform=ax.transAxes, va="top",
                    ha="left", fontsize=9, color=colour,
                    bbox={"facecolor": "white", "edgecolor": colour, "alpha": 0.9, "pad": 2})
        ax.set_xlabel("number of hidden units H (N_H0 embedded by inactive units)")
        ax.set_ylabel("G(N_H) / G(N_H0)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
        if act == "relu":
            lo, hi = ax.get_ylim()
            ax.set_ylim(min(lo, 0.985), max(hi, 1.015))
    opts = docs[0]["options"]
    rho = "0.01" if opts["rho_scale"] == 0.01 else f"{opts['rho_scale']:g}"
    rule = {"norm": f"rho = {rho} ||theta_H0|| per network", "match": f"one rho = {rho} x mean ||theta_H0||",
            "absolute": f"rho = {rho}", "relative": f"relative noise {rho}"}[opts["rho_rule"]]
    fig.suptitle(f"Figure 2(b): generalization error ratio vs H ({rule}; "
                 f"{' and '.join(d['options']['protocol'] for d in docs)} protocol)", fontsize=11)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)


def figure_2c(doc: dict, path) -> bool:
    """Sensitivity: the ratio at the largest H per surplus rule / margin / rho rule, and its curves.

    Returns False (no file) when the document has no sensitivity study (retrain protocol)."""
    sens = doc.get("sensitivity")
    if not sens:
        return False
    plt = _plt()
    acts = [a for a in doc["options"]["activations"] if a in sens["variants"][0]["activations"]]
    fig, axes = plt.subplots(2, len(acts), figsize=(6.4 * len(acts), 9.0), squeeze=False)
    labels = [v["label"] for v in sens["variants"]]
    y = np.arange(len(labels))
    cmap = plt.get_cmap("viridis")
    for k, act in enumerate(acts):
        ax = axes[0][k]
        for i, v in enumerate(sens["variants"]):
            a = v["activations"][act]
            r = a["summary"][-1]
            forced = a.get("relu_claim_kind") == "true by construction under this protocol"
            if act == "relu":
                colour = "gray" if forced else (GOOD if a["relu_flat"] else BAD)
            else:
                colour = GOOD if r["ratio_of_means"] - 2 * (r["se_ratio_of_means"] or 0) > 1 else BAD
            ax.errorbar(r["ratio_of_means"], i, xerr=2 * (r["se_ratio_of_means"] or 0), fmt="o", color=colour, ms=6,
                        capsize=3, label="measured ratio of means $\\pm$ 2 s.e." if i == 0 else None)
            ax.plot(r["predicted_ratio_of_means"], i, "D", mfc="none", mec="k", ms=7,
                    label="predicted (exact, eq. P)" if i == 0 else None)
            if forced:
                ax.annotate("by construction", (r["ratio_of_means"], i), textcoords="offset points", xytext=(8, 6),
                            fontsize=7, color="gray")
        ax.axvline(1.0, color="gray", lw=0.8)
        if act == "relu":
            ax.axvspan(0.99, 1.01, color=GOOD, alpha=0.12)
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_ylim(len(labels) + 0.9, -0.6)  # an empty band at the bottom holds the legend
        H = sens["variants"][0]["activations"][act]["summary"][-1]["H"]
        ax.set_xlabel(f"ratio of means G(N_H) / G(N_H0) at H = {H}", fontsize=9)
        ax.set_title(f"{act}: ratio at H = {H} per surplus rule ({sens['trials']} trials)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower center", ncol=2)
        ax2 = axes[1][k]
        for i, v in enumerate(sens["variants"]):
            s = v["activations"][act]["summary"]
            c = cmap(i / max(1, len(labels) - 1))
            Hs = [r["H"] for r in s]
            ax2.plot(Hs, [r["ratio_of_means"] for r in s], "-", color=c, lw=1.5, label=v["label"])
            ax2.plot(Hs, [r["predicted_ratio_of_means"] for r in s], ":", color=c, lw=1.0)
        ax2.axhline(1.0, color="gray", lw=0.8)
        if act == "relu":
            ax2.axhspan(0.99, 1.01, color=GOOD, alpha=0.12)
        ax2.set_xlabel("H")
        ax2.set_ylabel("ratio of means (solid: measured, dotted: predicted)")
        ax2.set_title(f"{act}: curves per surplus rule", fontsize=10)
        ax2.grid(alpha=0.3)
        ax2.legend(fontsize=7, loc="upper left")
    fig.suptitle("Figure 2(c): sensitivity to the surplus rule, the margin and the rho rule (the same surplus "
                 "weights for both activations)\ngreen: the paper's claim holds, red: it fails, gray: true by "
                 "construction (not a test)", fontsize=11)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return True
