"""The Figure-2 experiment engine (docs/experiment.md).

Phase 1 (:mod:`.fitting`): data and a zero-error N_H0 per activation. Phase 2
(:mod:`.perturbation`, :mod:`.evaluate`, :mod:`.generalization`): embed by inactive units,
perturb every parameter with N(0, rho^2), evaluate the generalization error against the
noise-free teacher, vectorised in float64 over trials and widths. :mod:`.runner` splits the
trials into resumable chunks run by :mod:`.executors`; :mod:`.results` builds the document.
:mod:`.prediction` gives the exact predicted excess for every activation, :mod:`.claims` says
which claims were tested and which hold by construction, :mod:`.sensitivity` repeats phase 2
under other surplus rules, and :mod:`.analyses` / :mod:`.pac_bayes` give flatness and PAC-Bayes
at equal norms (docs/experiment.md).
"""

from numerics.experiment.base import BaseNetwork, base_from_params
from numerics.experiment.config import ExperimentConfig, RunOptions
from numerics.experiment.evaluate import evaluate_trials
from numerics.experiment.runner import RunAborted, RunOutcome, run_experiment

__all__ = ["BaseNetwork", "ExperimentConfig", "RunAborted", "RunOptions", "RunOutcome", "base_from_params",
           "evaluate_trials", "run_experiment"]
