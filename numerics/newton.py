"""The one Newton iteration of the library (docs/training.md "Newton iterations").

Every Newton-type refinement (Gauss-Newton polishing of a fit, Newton on ``grad L = 0``, the
Newton refinement of a proof's centre in ball arithmetic) is this loop with four callbacks:

- ``evaluate(state) -> (F, J)``: the residual and its Jacobian at the current iterate, in the
  caller's number world (float64, mpmath, balls);
- ``solve(F, J) -> delta``: the linear solve of ``J delta = -F`` (or its sign convention, least
  squares, a midpoint matrix...); ``None`` when the system cannot be solved (singular, not finite);
- ``update(state, delta) -> (state, go_on)``: the step taken (plain, damped, accepted only on a
  decrease...); ``go_on`` False ends the iteration at the returned state;
- ``stop(state) -> bool``: the stop rule (a residual norm, a step size), checked before each step
  and after the last one.

The loop does no arithmetic of its own, so the iterates are exactly the callers': nothing here
can move a number from one world to another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

CONVERGED = "converged"
SINGULAR = "singular"
STALLED = "stalled"
BUDGET = "budget"
REASONS = (CONVERGED, SINGULAR, STALLED, BUDGET)


@dataclass(frozen=True, eq=False)
class NewtonResult:
    """The last iterate of :func:`iterate`, the steps taken and why the loop ended.

    ``reason`` is one of :data:`REASONS`: ``converged`` (the stop rule holds at ``state``),
    ``singular`` (``solve`` returned None), ``stalled`` (``update`` asked to end) or ``budget``
    (``max_steps`` steps taken without the stop rule holding)."""

    state: Any
    steps: int
    reason: str

    def __post_init__(self):
        assert self.reason in REASONS, self.reason

    @property
    def converged(self) -> bool:
        """Whether the stop rule holds at the returned state."""
        return self.reason == CONVERGED


def iterate(state, *, evaluate: Callable, solve: Callable, update: Callable, stop: Callable,
            max_steps: int) -> NewtonResult:
    """Newton's iteration ``state <- update(state, solve(*evaluate(state)))`` until ``stop(state)``.

    The callbacks are described in the module docstring (docs/training.md "Newton iterations").
    A step is counted once ``solve`` has returned a step, whether or not ``update`` takes it.

    Arguments:
        state: the starting iterate (any object the callbacks understand).
        evaluate, solve, update, stop: the four callbacks.
        max_steps: at most this many steps.
    Returns:
        :class:`NewtonResult` with the last state; ``converged`` when ``stop`` holds there.

    >>> from fractions import Fraction
    >>> r = iterate(Fraction(1), evaluate=lambda s: (s * s - 2, 2 * s), solve=lambda F, J: -F / J,
    ...             update=lambda s, d: (s + d, True), stop=lambda s: abs(s * s - 2) < Fraction(1, 10 ** 10),
    ...             max_steps=10)
    >>> (r.state, r.steps, r.reason)
    (Fraction(665857, 470832), 4, 'converged')
    """
    steps = 0
    while steps < max_steps:
        if stop(state):
            return NewtonResult(state, steps, CONVERGED)
        delta = solve(*evaluate(state))
        if delta is None:
            return NewtonResult(state, steps, SINGULAR)
        steps += 1
        state, go_on = update(state, delta)
        if not go_on:
            return NewtonResult(state, steps, CONVERGED if stop(state) else STALLED)
    return NewtonResult(state, steps, CONVERGED if stop(state) else BUDGET)
