"""Figure 2(a) (data, teacher, fitted N_H0) and 2(b) (ratio vs H with the prediction)."""

from __future__ import annotations

import numpy as np

from proofs_check.atomic import atomic_path

COLORS = {"tanh": "tab:red", "relu": "tab:blue", "sigmoid": "tab:green", "softplus": "tab:purple", "gelu": "tab:orange"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _network_output(net: dict, x: np.ndarray, which: str) -> np.ndarray:
    from numerics.experiment.generalization import phi_float

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


def figure_2b(doc: dict, path) -> None:
    """Ratio G(N_H)/G(N_H0) vs H: mean +- s.e. (paper), ratio of means, second-order prediction."""
    plt = _plt()
    opts = doc["options"]
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for act in opts["activations"]:
        s = doc["activations"][act]["summary"]
        if not s:
            continue
        col = COLORS.get(act, "k")
        H = np.array([r["H"] for r in s])
        ax.errorbar(H, [r["mean_ratio"] for r in s], yerr=[r["se_ratio"] for r in s], fmt="o-", color=col,
                    ms=4, capsize=2, label=f"{act}: mean ratio $\\pm$ s.e.")
        ax.plot(H, [r["ratio_of_means"] for r in s], "s", color=col, mfc="none", ms=5,
                label=f"{act}: ratio of means")
        ax.plot(H, [r["predicted_ratio_of_means"] for r in s], "--", color=col, lw=1.2,
                label=f"{act}: 2nd-order prediction")
    if "relu" in opts["activations"] and doc["activations"]["relu"]["summary"]:
        last = doc["activations"]["relu"]["summary"][-1]
        lo, hi = ax.get_ylim()
        ax.text(0.98, 1.0 + 0.03 * (hi - lo), f"relu: G(N_H) = G(N_H0) exactly in "
                f"{100 * (1 - last['fraction_changed']):.1f}% of trials at H = {last['H']}",
                transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=8, color=COLORS["relu"],
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.set_xlabel("number of hidden units H (N_H0 embedded by inactive units)")
    ax.set_ylabel("generalization error ratio  G(N_H) / G(N_H0)")
    rho = "0.01" if opts["rho_scale"] == 0.01 else f"{opts['rho_scale']:g}"
    rule = f"$\\rho={rho}\\,\\|\\theta_{{H_0}}\\|$" if opts["rho_rule"] == "norm" else f"relative noise {rho}"
    ax.set_title(f"Figure 2(b): protocol {opts['protocol']}, {opts['trials']} trials, {rule}, "
                 f"ReLU surplus {opts['surplus']}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
