"""Notebook display of experiment outcomes: Markdown tables (docs/notebook.md).

:class:`numerics.experiment.runner.RunOutcome` shows, per activation, the width ``H`` against
the generalization ratio ``G(N_H) / G(N_H0)`` over the trials (mean, standard error, median),
computed with :func:`numerics.experiment.statistics.width_statistics` (the same statistics as
the results document).
"""

from __future__ import annotations

import numpy as np

from numerics.experiment.statistics import width_statistics


def _num(value, digits=4) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def outcome_markdown(outcome) -> str:
    """Markdown of a :class:`RunOutcome`: one table per activation (H, trials, ratio statistics)."""
    cfg = outcome.config
    lines = [f"**Figure 2 experiment**: activations {', '.join(cfg.activations)}, trials "
             f"{', '.join(f'{r.lo}..{r.hi - 1}' for r in outcome.runs)}"
             + (f", shard {outcome.shard[0]} of {outcome.shard[1]}" if outcome.shard else "")]
    for run in outcome.runs:
        G, G0 = run.arrays["G"], run.arrays["G0"]
        h0 = sorted({int(v) for v in np.asarray(run.arrays["h0"]).reshape(-1)})
        lines += ["", f"*{run.activation}* ($H_0$ = {', '.join(map(str, h0))}): ratio "
                  "$G(N_H) / G(N_{H_0})$", "", "| $H$ | trials | mean | s.e. | median |", "|---|---|---|---|---|"]
        for j, h in enumerate(run.columns):
            keep = np.isfinite(G[:, j])
            if not keep.any():
                continue
            s = width_statistics(G[keep, j], G0[keep])
            lines.append(f"| {h} | {s['trials']} | {_num(s['mean_ratio'])} | {_num(s['se_ratio'], 2)} | "
                         f"{_num(s['median_ratio'])} |")
    return "\n".join(lines)
