"""Bridge to the symbolic engine (:func:`theory.symbolic.prove`), optional at import time.

When the engine is importable each claim is proved once per process (cached); a claim that
comes back ``failed`` fails the check. Without the engine the check is numeric only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class SymbolicOutcome:
    """method: "both" (some claim proved) or "numeric"; proved: claim ids; passed: no failures."""

    method: str
    proved: tuple[str, ...]
    passed: bool
    note: str
    evidence: tuple[tuple[str, str], ...]


@functools.lru_cache(maxsize=None)
def _prove(claim: str, activation: str):
    # deferred: the symbolic engine is optional here (prove_claims falls back to numeric-only evidence)
    from theory.symbolic import prove

    return prove(claim, activation=activation)


def prove_claims(claims, activation: str = "generic") -> SymbolicOutcome:
    """Prove each claim id; missing engine -> numeric-only outcome."""
    try:
        # deferred: guarded; the except branch below handles its absence
        import theory.symbolic as engine

        if not hasattr(engine, "prove"):
            raise ImportError("theory.symbolic.prove not defined")
    except ImportError:
        return SymbolicOutcome("numeric", (), True, "symbolic engine not available", ())
    proved, failed, evidence = [], [], []
    for claim in claims:
        try:
            res = _prove(claim, activation)
        except Exception as exc:  # an engine error is reported, not hidden
            failed.append(claim)
            evidence.append((f"symbolic {claim}", f"error: {type(exc).__name__}: {exc}"))
            continue
        status = getattr(res, "status", "failed")
        sizes = getattr(res, "sizes_text", "")
        scope = f" for {sizes}" if status == "proved" and sizes else ""
        evidence.append((f"symbolic {claim}", f"{status}{scope} ({getattr(res, 'seconds', 0):.2f} s)"))
        if status == "proved":
            proved.append(claim)
        elif status != "not-applicable":
            failed.append(claim)
    method = "both" if proved else "numeric"
    note = f"symbolic claims failed: {', '.join(failed)}" if failed else ""
    return SymbolicOutcome(method, tuple(proved), not failed, note, tuple(evidence))


NUMERIC_ONLY = SymbolicOutcome("numeric", (), True, "", ())
