"""The outcome of training one data set: a frozen record with its verified evidence."""

from __future__ import annotations

from dataclasses import dataclass

from theory.architecture import Architecture
from theory.params import Params


@dataclass(frozen=True, eq=False)
class TrainResult:
    """A trained network and the evidence that it reached (or missed) its target.

    Attributes:
        arch: the architecture ``(d, hidden, M)``.
        params: parameters as mpmath numbers: exactly the values a network file written at
            ``dps`` holds (decimal strings with ``digits_for(dps)`` digits, read back).
        sse: squared training error ``sum_i ||f(x_i) - y_i||^2`` recomputed at ``dps`` from
            ``params`` (mpf); for an exact ReLU fit it is 0 in rationals (``exact_params``).
        gradient_norm: Euclidean norm of the loss gradient at ``dps`` (objective "critical";
            None otherwise).
        reached_target: True only when the recomputed evidence meets the target
            (``sse < target_sse``, or ``gradient_norm < 10^(-dps/2)`` for "critical").
        hidden: the width H.
        seed: the root seed (restart r of this data set draws from ``default_rng([seed, r])``).
        restarts_used: number of random restarts run for this width.
        stages: the stages that produced the result, in order.
        certificate: for an infeasible exact ReLU request, the proof in words; else None.
        min_width: the exact minimal width (1-input ReLU), else None.
        message: one line for people.
        budget: the restart budget per width (``--hidden auto``: the budget each tried width had).
        target_sse: the target the result was checked against.
        dps: the digits the evidence was computed at.
        objective: "zero-error" or "critical".
        exact_params: for the exact ReLU path, the parameters as ``fractions.Fraction`` (a
            :class:`Params` of object arrays), with training error exactly 0; else None.
        widths_tried: for ``--hidden auto``, ``((H, restarts, reached), ...)`` in order.
        lm_iterations: float64 LM iterations spent on this data set (all restarts, this width).
    """

    arch: Architecture
    params: Params
    sse: object
    gradient_norm: object
    reached_target: bool
    hidden: int
    seed: int
    restarts_used: int
    stages: tuple[str, ...]
    certificate: str | None
    min_width: int | None
    message: str
    budget: int | None
    target_sse: float = 1e-29
    dps: int = 50
    objective: str = "zero-error"
    exact_params: Params | None = None
    widths_tried: tuple = ()
    lm_iterations: int = 0
