"""Symbolic derivations and general proofs of the embedding theorems (sympy only).

Public API:
- :data:`CLAIM_IDS`, :data:`EMBEDDING_GROUPS`: the claims and their groups, in report order.
- :func:`prove` / :func:`prove_all` -> :class:`ClaimResult` (``status`` "proved" only when every
  difference reduced to exactly 0).
- :mod:`theory.symbolic.mlp`: the symbolic twins ``loss``, ``gradient``, ``hessian`` of a concrete
  architecture; :mod:`theory.symbolic.bridge`: lambdify them to mpmath.

No float literals and no numerics imports here (tests/test_architecture.py).
"""

from theory.symbolic.registry import CLAIM_IDS, EMBEDDING_GROUPS, claims_of, prove, prove_all
from theory.symbolic.result import ClaimResult

__all__ = ["CLAIM_IDS", "EMBEDDING_GROUPS", "ClaimResult", "claims_of", "prove", "prove_all"]
