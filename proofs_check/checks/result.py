"""Configuration and result types of the theorem checks, and the evidence ledger they fill.

A check combines a symbolic proof (when :mod:`theory.symbolic` is importable) with numeric
evidence; every numeric relation is recorded as a named evidence pair ``(name, value)`` where
the value states the measured number and the bound it was compared with.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import mpmath

from proofs_check.certified.certify import certify
from proofs_check.reports.display import check_markdown

TAMPERS_DOC = "name of a deliberately wrong premise (negative control); None for the real check"


@dataclass(frozen=True)
class CheckConfig:
    """How to run a check.

    Attributes:
        quick: fewer instances (the ``--quick`` budget: all checks together < 60 s).
        dps: working precision of every mpmath computation.
        seed: base seed of every seeded search (instances are found deterministically from it).
        tamper: a wrong premise injected on purpose (negative control; each module lists its
            ``TAMPERS``); the check must then report the predicted failure.
        activation: the activation of the activation-parametrised checks (T3d, Td); None runs
            their default list (docs/activations.md).
    """

    quick: bool = False
    dps: int = 40
    seed: int = 0
    tamper: str | None = None
    activation: str | None = None


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one theorem check (see the module docstring)."""

    theorem: str
    statement: str
    method: str
    passed: bool
    evidence: tuple[tuple[str, str], ...]
    seeds: tuple[int, ...]
    seconds: float
    symbolic_claims: tuple[str, ...] = ()
    notes: str = ""
    certified: str = ""  # "k/m": k of the m concrete points whose verdict was proved (docs/certified.md)

    def to_json(self) -> dict:
        """The result as a JSON-ready dict (evidence, seeds and claims as lists; docs/formats.md)."""
        out = asdict(self)
        out["evidence"] = [list(p) for p in self.evidence]
        out["seeds"] = list(self.seeds)
        out["symbolic_claims"] = list(self.symbolic_claims)
        return out

    def _repr_markdown_(self) -> str:
        return check_markdown(self)


def fmt(value, digits: int = 3) -> str:
    """Short decimal form of a number (mpf, float, int)."""
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return str(value)
    return mpmath.nstr(mpmath.mpf(value), digits)


@dataclass
class Ledger:
    """Mutable evidence collector used while a check runs (internal; frozen into CheckResult)."""

    evidence: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    seeds: list = field(default_factory=list)
    start: float = field(default_factory=time.perf_counter)
    proofs: list = field(default_factory=list)  # one bool per concrete point sent to certify()

    def note(self, name: str, value) -> None:
        """Record a number or text without a pass/fail criterion."""
        self.evidence.append((name, value if isinstance(value, str) else fmt(value)))

    def require(self, name: str, ok: bool, value: str) -> bool:
        """Record a relation that must hold; ``value`` shows measured vs bound."""
        ok = bool(ok)
        self.evidence.append((name, value + ("" if ok else "  FAILED")))
        if not ok:
            self.failures.append(name)
        return ok

    def at_most(self, name: str, measured, bound) -> bool:
        """measured <= bound."""
        return self.require(name, measured <= bound, f"{fmt(measured)} <= {fmt(bound)}")

    def at_least(self, name: str, measured, bound) -> bool:
        """Record the relation ``measured >= bound``; return whether it holds."""
        return self.require(name, measured >= bound, f"{fmt(measured)} >= {fmt(bound)}")

    def equal(self, name: str, measured, predicted) -> bool:
        """Record the relation ``measured == predicted``; return whether it holds."""
        return self.require(name, measured == predicted, f"{measured} == {predicted}")

    def certify(self, name: str, arch, params, x, y, dps: int, expected: str):
        """Prove the verdict at a concrete point the theorem makes a claim about (proofs_check.certified.certify).

        ``expected`` is the theorem's prediction ("saddle", "not-critical", "minimum" for any kind
        of minimum, "global-minimum"); a proved verdict that contradicts it is a failure, no proof
        is only counted (the numeric evidence stands). Returns the Certification."""
        proof = certify(arch, params, (x, y), dps)
        self.proofs.append(proof.proved)
        if not proof.proved:
            self.evidence.append((f"{name}: certified", f"not proved ({proof.reason})"))
            return proof
        agrees = proof.verdict == expected or (expected == "minimum" and proof.verdict.endswith("minimum")
                                                and proof.verdict != "global-minimum")
        self.require(f"{name}: certified", agrees, f"proved: {proof.statement}")
        return proof

    def seed(self, value: int) -> None:
        """Record a seed the check used (once each, in order of first use)."""
        if value not in self.seeds:
            self.seeds.append(int(value))

    def result(self, theorem: str, statement: str, symbolic, notes: str = "") -> CheckResult:
        """Freeze into a :class:`CheckResult`; ``symbolic`` is a :class:`SymbolicOutcome`."""
        passed = not self.failures and symbolic.passed
        all_notes = "; ".join(n for n in (symbolic.note, notes) if n)
        if self.failures:
            all_notes = "; ".join(filter(None, [f"failed: {', '.join(self.failures)}", all_notes]))
        return CheckResult(
            theorem=theorem,
            statement=statement,
            method=symbolic.method,
            passed=passed,
            evidence=tuple(self.evidence) + symbolic.evidence,
            seeds=tuple(self.seeds),
            seconds=round(time.perf_counter() - self.start, 3),
            symbolic_claims=symbolic.proved,
            notes=all_notes,
            certified=f"{sum(self.proofs)}/{len(self.proofs)}" if self.proofs else "",
        )
