"""The invariants I1-I19 of docs/invariants.md as a reusable property suite (docs/properties.md).

Each :class:`Invariant` has cases; a case draws :class:`Example` s with hypothesis at a
:class:`Scale` and checks them against a :class:`Subject` (the real embeddings, :data:`SEMIFLAT`,
or a deliberately broken one from :data:`MUTANTS`). Three ways to run them:

- ``semiflat properties`` (a table, counterexample files, ``--mutant NAME``);
- ``pytest --pyargs proofs_check.invariants`` (one test per invariant and case);
- from Python::

      from proofs_check.invariants import INVARIANTS, Scale, run_invariant
      result = run_invariant(INVARIANTS[0], Scale(activations=("softplus",)), examples=50, seed=1)
      assert result.status == "passed"

:func:`register_profiles` registers the hypothesis profiles ``dev``, ``ci`` and ``thorough``.
"""

from proofs_check.invariants.base import DPS, Case, Example, Invariant, Scale, Violation, require
from proofs_check.invariants.edges import I18, I19
from proofs_check.invariants.function import I1, I2, I3, I4
from proofs_check.invariants.gradient import I5, I6
from proofs_check.invariants.hessian import I7, I12, I13, I14
from proofs_check.invariants.profiles import PROFILES, register_profiles
from proofs_check.invariants.runner import CaseResult, InvariantResult, run_case, run_invariant
from proofs_check.invariants.spectrum import I8, I9, I10, I11
from proofs_check.invariants.subject import MUTANT_NAMES, MUTANTS, SEMIFLAT, Subject, get_mutant
from proofs_check.invariants.zero_error import I15, I16
from theory.errors import InvalidInput

I17 = Invariant(
    "I17", "Figure 2: ReLU mean ratio ~ 1, tanh ratio rising with H (the experiment's outcome)",
    not_run=("a claim about a trained experiment, not about one drawn network: run "
             "'semiflat experiment fig2' (or 'semiflat reproduce')"))

INVARIANTS: tuple[Invariant, ...] = (I1, I2, I3, I4, I5, I6, I7, I8, I9, I10, I11, I12, I13, I14, I15, I16, I17,
                                     I18, I19)
"""Every invariant of docs/invariants.md, in order."""

INVARIANT_IDS: tuple[str, ...] = tuple(i.id for i in INVARIANTS)


def get_invariant(id: str) -> Invariant:
    """The invariant ``id`` ("I7"; case-insensitive)."""
    for invariant in INVARIANTS:
        if invariant.id.lower() == id.strip().lower():
            return invariant
    raise InvalidInput(f"invariant {id!r} is not known; use ids among {', '.join(INVARIANT_IDS)}")


__all__ = [
    "DPS", "INVARIANTS", "INVARIANT_IDS", "MUTANTS", "MUTANT_NAMES", "PROFILES", "SEMIFLAT",
    "Case", "CaseResult", "Example", "Invariant", "InvariantResult", "Scale", "Subject", "Violation",
    "get_invariant", "get_mutant", "register_profiles", "require", "run_case", "run_invariant",
]
