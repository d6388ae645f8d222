"""A picture of a critical point: the Hessian spectrum and what was proved about it (docs/notebook.md).

``spectrum_figure(report)`` draws the eigenvalues of the Hessian in ascending order on a
symmetric-log axis whose linear part is the decision's zero band ``[-tau, tau]`` (shaded):

- negative eigenvalues (below ``-tau``) in red: descent directions exist;
- positive eigenvalues in blue;
- inside the band, the directions proved flat by the structure as green diamonds, the other
  near-zero directions as orange crosses: zero to working precision but not explained by a theorem.

The proved flat directions ``S`` are the directions the classifier checked
(``report.flat_directions``) and, for a minimum with dead ReLU units (T6), every incoming and
outgoing coordinate of each dead unit (the loss does not depend on them on the cone x R^M). When
the proved flat dimension exceeds ``dim S`` (a theorem that proves a set larger than the directions
it probes), the legend says how many were located.

Splitting the band: with ``E`` the zero-band eigenvectors and ``S`` inside ``span E`` (at a
critical point ``L`` is constant along ``S``, so ``H s = 0`` at a minimum), the band's
Hessian ``diag(mu_E)`` is compressed to an orthonormal basis of ``E^T S`` (flat) and of its
complement in ``span E`` (other); their eigenvalues are plotted, so the split does not depend on
how the solver happened to rotate a degenerate cluster. The title states the verdict and its
theorem. The figure is a ``matplotlib.figure.Figure`` (no pyplot state, safe in notebooks).
"""

from __future__ import annotations

import io
import math

import numpy as np

from numerics.io.atomic import atomic_path
from theory.params import incoming_indices, outgoing_indices

MINIMA = ("semi-flat-minimum", "global-minimum", "minimum", "strict-minimum")

COLOURS = {"negative": "tab:red", "positive": "tab:blue", "flat": "tab:green", "other": "tab:orange",
           "band": "0.88"}


def split_spectrum(report):
    """(negative, positive, flat, other) eigenvalue arrays (float64) of the report's Hessian.

    ``flat`` are the band eigenvalues on the proved flat subspace, ``other`` the rest of the band
    (module docstring); without eigenvectors or flat directions the whole band is ``other``."""
    mu = np.array([float(v) for v in report.eigenvalues])
    tau = float(report.zero_tolerance)
    band = np.abs(mu) <= tau
    neg, pos = mu[mu < -tau], mu[mu > tau]
    inside = mu[band]
    dirs = [np.array([float(v) for v in d]) for d in report.flat_directions]
    if report.flat_dimension and report.verdict.value in MINIMA and report.arch is not None:
        for layer, unit in report.dead_units:
            arch = report.arch
            for i in incoming_indices(arch, layer, unit) + outgoing_indices(arch, layer, unit):
                e = np.zeros(len(mu))
                e[i] = 1.0
                dirs.append(e)
    if report.eigenvectors is None or not dirs or not band.any():
        return neg, pos, np.array([]), inside
    E = np.array(report.eigenvectors, dtype=float)[:, band]
    S = E.T @ np.column_stack(dirs)  # coordinates of the flat directions in the band's eigenbasis
    u, s, _ = np.linalg.svd(S, full_matrices=True)
    rank = int(np.sum(s > s.max() * 1e-8)) if s.size and s.max() > 0 else 0
    D = np.diag(inside)
    flat = np.linalg.eigvalsh(u[:, :rank].T @ D @ u[:, :rank]) if rank else np.array([])
    other = np.linalg.eigvalsh(u[:, rank:].T @ D @ u[:, rank:]) if rank < len(inside) else np.array([])
    return neg, pos, flat, other


def spectrum_figure(report, title: str | None = None):
    """The figure of the module docstring for a :class:`proofs_check.landscape.classify.CriticalPointReport`."""
    from matplotlib.figure import Figure

    neg, pos, flat, other = split_spectrum(report)
    tau = float(report.zero_tolerance)
    lin = tau if tau > 0 else 1e-300
    fig = Figure(figsize=(8.8, 4.6), layout="constrained")
    ax = fig.add_subplot()
    order = [("negative", neg, "v", "negative"), ("other", other, "x", "near zero, not proved flat"),
             ("flat", flat, "D", "proved flat by structure"), ("positive", pos, "o", "positive")]
    # ascending order overall: negative < band (flat and other interleaved by value) < positive
    band_vals = sorted([(v, "flat") for v in flat] + [(v, "other") for v in other])
    index = {"negative": list(range(len(neg)))}
    start = len(neg)
    index["flat"] = [start + k for k, (_, kind) in enumerate(band_vals) if kind == "flat"]
    index["other"] = [start + k for k, (_, kind) in enumerate(band_vals) if kind == "other"]
    index["positive"] = list(range(start + len(band_vals), start + len(band_vals) + len(pos)))
    values = {"negative": np.sort(neg), "positive": np.sort(pos),
              "flat": np.array([v for v, kind in band_vals if kind == "flat"]),
              "other": np.array([v for v, kind in band_vals if kind == "other"])}
    n = len(neg) + len(band_vals) + len(pos)
    ax.axhspan(-tau, tau, color=COLOURS["band"], zorder=0,
               label=f"zero band $|\\mu| \\leq \\tau$ = {tau:.1e}")
    ax.axhline(0, color="0.55", lw=0.6, zorder=1)
    counts = {k: str(len(v)) for k, v in values.items()}
    if len(values["flat"]) < report.flat_dimension:  # the theorem proves more than its probes span
        counts["flat"] = f"{len(values['flat'])} located of {report.flat_dimension} proved"
    for key, _, marker, label in order:
        if len(values[key]):
            ax.scatter(index[key], values[key], marker=marker, s=46 if marker != "x" else 52,
                       color=COLOURS[key], zorder=3, label=f"{label} ({counts[key]})",
                       linewidths=1.6 if marker == "x" else 0.8, edgecolors="k" if marker in "oDv" else None)
    ax.set_yscale("symlog", linthresh=lin, linscale=1.0)
    top = max([abs(v) for v in pos] + [10 * lin])
    bottom = max([abs(v) for v in neg] + [10 * lin])
    ax.set_ylim(-bottom * 10, top * 10)
    ticks, labels = _decade_ticks(lin, top, bottom)
    ax.set_yticks(ticks, labels)
    ax.yaxis.set_minor_locator(_NoTicks())
    ax.set_xlim(-0.7, max(n, 1) - 0.3)
    ax.set_xlabel("eigenvalue index (ascending)")
    ax.set_ylabel("Hessian eigenvalue $\\mu$ (symmetric log)")
    if n <= 40:
        ax.set_xticks(range(n))
        ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="y", color="0.92", lw=0.6, zorder=0)
    inertia = report.inertia
    head = title or f"{report.verdict.value}: {report.theorem}" if report.theorem else report.verdict.value
    extra = ""
    if report.descent_direction is not None:
        extra = (f"\ncertified descent along d: $L(\\theta + s d) - L(\\theta)$ = "
                 f"{float(report.descent_decrease):.2e} at s = {float(report.descent_step):.1e}")
    ax.set_title(f"{head}\ninertia (neg, zero, pos) = ({inertia.negative}, {inertia.zero}, {inertia.positive}), "
                 f"proved flat dimension {report.flat_dimension}, dps {report.dps}{extra}", fontsize=9.5)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def _decade_ticks(lin, top, bottom):
    """Ticks 0 and +-10^k outside the band, at most about six per side, labelled as powers of ten."""
    first = math.floor(math.log10(lin)) + 1
    ticks, labels = [0.0], ["0"]
    for sign, far in ((1, top), (-1, bottom)):
        last = math.ceil(math.log10(far))
        step = max(1, math.ceil((last - first + 1) / 6))
        for k in range(last, first - 1, -step):
            ticks.append(sign * 10.0 ** k)
            labels.append(f"${'-' if sign < 0 else ''}10^{{{k}}}$")
    order = sorted(range(len(ticks)), key=lambda i: ticks[i])
    return [ticks[i] for i in order], [labels[i] for i in order]


class _NoTicks:
    """A minor locator with no ticks (symlog's minor ticks crowd the zero band)."""

    def __new__(cls):
        from matplotlib.ticker import NullLocator

        return NullLocator()


def save_spectrum_figure(report, path) -> None:
    """Write :func:`spectrum_figure` to ``path`` (PNG or any matplotlib format), atomically."""
    fig = spectrum_figure(report)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, format=str(path).rsplit(".", 1)[-1] if "." in str(path) else "png")


def spectrum_png(report) -> bytes:
    """The figure as PNG bytes (for notebook display)."""
    buf = io.BytesIO()
    spectrum_figure(report).savefig(buf, dpi=100, format="png")
    return buf.getvalue()
