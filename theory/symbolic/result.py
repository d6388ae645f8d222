"""Claim results and the small bookkeeping every proof shares.

A proof is a pure function ``(activation, perturb) -> Derivation``: it builds the generic
expressions, collects the differences that must vanish and the intermediate expressions worth
printing. :func:`run` times it and turns it into a :class:`ClaimResult`. ``perturb=True``
replaces the embedding map by a deliberately broken one (each proof documents which), so a
test can check that the proof machinery really detects a wrong map.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy as sp

from theory.display import claim_latex, claim_markdown
from theory.symbolic.generic import is_zero, latex_of

STATUSES = ("proved", "failed", "not-applicable")

EPS = sp.Symbol("epsilon", nonzero=True, real=True)
"""The perturbation used by negative controls (a non-zero symbol: the claim must fail for it)."""


@dataclass(frozen=True)
class ClaimResult:
    """Outcome of one symbolic proof.

    Attributes:
        id: stable claim id, e.g. ``"replication.hessian"``.
        statement: the claim in plain text.
        status: ``"proved"`` (every difference simplified to exactly 0), ``"failed"`` or
            ``"not-applicable"`` (the claim does not concern the requested activation).
        seconds: wall time of the proof.
        generality: what the proof covers (activation, loss, rest of the network, point).
        details: ``(name, latex)`` pairs for the report: parameter map, key expressions, verdict.
        sizes: ``"all"`` when the claim is proved for every size, else the list of sizes
            covered (e.g. the architectures a library map was compared on).
        argument: for ``sizes == "all"``, the argument that carries the computation to every
            size (e.g. "pairing reduction"; docs/symbolic.md); otherwise "".
        method: how the computation was done (e.g. "exact identity at generic coordinates of
            dimension (3, 3)").
        hypotheses: the claim's hypotheses in plain text ("" when none beyond the setting).
    """

    id: str
    statement: str
    status: str
    seconds: float
    generality: str
    details: tuple[tuple[str, str], ...] = ()
    sizes: object = "all"
    argument: str = ""
    method: str = ""
    hypotheses: str = ""
    cpu_seconds: float = 0

    @property
    def sizes_text(self) -> str:
        """"all sizes, by <argument>" or "sizes <list>" (the report's wording)."""
        if self.sizes == "all":
            return f"all sizes, by {self.argument}" if self.argument else "all sizes"
        return "sizes " + ", ".join(str(s) for s in self.sizes)

    @property
    def proved(self) -> bool:
        """Whether the claim's status is ``proved``."""
        return self.status == "proved"

    def _repr_markdown_(self) -> str:
        return claim_markdown(self)

    def _repr_latex_(self) -> str:
        return claim_latex(self)

    def to_json(self) -> dict:
        """The claim as a JSON-ready dict (id, statement, status, times rounded to ms, generality,
        sizes, argument, method, hypotheses), as ``semiflat derive --json`` prints it (docs/formats.md).
        """
        return {
            "id": self.id,
            "statement": self.statement,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "generality": self.generality,
            "sizes": self.sizes if self.sizes == "all" else [list(s) if isinstance(s, tuple) else s for s in self.sizes],
            "argument": self.argument,
            "method": self.method,
            "hypotheses": self.hypotheses,
        }


@dataclass
class Derivation:
    """What a proof function returns: differences that must be 0 and printable steps."""

    statement: str
    generality: str
    sizes: object = "all"
    argument: str = ""
    method: str = ""
    hypotheses: str = ""
    differences: list = field(default_factory=list)
    details: list = field(default_factory=list)
    not_applicable: str = ""
    failures: list = field(default_factory=list)
    names: dict = field(default_factory=dict)

    def show(self, name: str, expr) -> None:
        """Record an intermediate expression (printed after simplification)."""
        self.details.append((name, expr if isinstance(expr, str) else latex_of(expr, self.names)))

    def name(self, expr, symbol: str) -> None:
        """Print ``expr`` as ``symbol`` in later :meth:`show` calls (and say so in the report)."""
        self.names[expr] = sp.Symbol(symbol)
        self.details.append(("notation", f"{symbol} = {latex_of(expr)}"))

    def require_zero(self, name: str, expr) -> bool:
        """Add a difference that must vanish identically; scalars or matrices."""
        entries = list(expr) if isinstance(expr, (sp.MatrixBase, list, tuple)) else [expr]
        ok = all(is_zero(e) for e in entries)
        self.differences.append((name, ok))
        if not ok:
            self.failures.append(name)
        return ok


def run(claim_id: str, proof, activation: str, perturb: bool) -> ClaimResult:
    """Run ``proof`` and time it; status ``proved`` only if every difference is exactly 0."""
    start, cpu = time.perf_counter(), time.process_time()
    derivation = proof(activation, perturb)
    seconds = time.perf_counter() - start
    extra = dict(sizes=derivation.sizes, argument=derivation.argument, method=derivation.method,
                 hypotheses=derivation.hypotheses, cpu_seconds=time.process_time() - cpu)
    if derivation.not_applicable:
        return ClaimResult(
            claim_id, derivation.statement, "not-applicable", seconds, derivation.generality,
            (("not applicable", derivation.not_applicable),), **extra,
        )
    proved = bool(derivation.differences) and not derivation.failures
    verdict = (
        "proved (difference simplifies to 0)"
        if proved
        else "failed: non-zero difference in " + ", ".join(derivation.failures or ["(no difference checked)"])
    )
    details = list(derivation.details)
    details.append(("verdict", verdict))
    return ClaimResult(
        claim_id, derivation.statement, "proved" if proved else "failed", seconds,
        derivation.generality, tuple(details), **extra,
    )


PAIRING = "the pairing reduction"
"""Name of the all-sizes argument for layer claims (docs/symbolic.md, "Pairing reduction")."""


def reduced_method(P: int, Q: int, extra: str = "") -> str:
    """The method text of a claim proved on the reduced layer of sizes (P, Q)."""
    text = (f"exact identity at generic coordinates of dimension (dim w~, dim v) = ({P}, {Q}), "
            f"layer input fully generic")
    return text + (f"; {extra}" if extra else "")
