"""Critical-point classification with evidence, at high precision (docs/formats.md "classify").

``classify(arch, params, data, dps=50, certify=False)`` answers "minimum or saddle, and how flat?"
(docs/classification.md; proofs: docs/certified.md):

1. At ``dps`` digits: loss, exact gradient and Hessian from one evaluation of the point
   (:mod:`numerics.evaluation`), the eigen-decomposition with a proved error bound
   (:mod:`proofs_check.landscape.refined_eigen`, docs/classification.md "Eigenvalues at scale") and inertia
   with the zero tolerance of :mod:`proofs_check.landscape.eigen`, widened by that bound.
2. Zero squared loss (L <= 10^-dps * max(1, L at f = 0)) -> ``global-minimum`` only when an exact
   zero of the residual is proved nearby (proofs_check.certified.certify, Krawczyk); otherwise
   ``undecided`` ("near-interpolating, no minimiser proved": an infimum 0 may not be attained).
   Its flat dimension is the affine set proved by the structure (T9).
3. ReLU data on a kink -> ``undecided`` (the Hessian does not exist there, docs/invariants.md, I19).
4. ||grad|| > 10^-(dps/2) * max(1, s) -> ``not-critical`` (with a certified descent along -grad).
5. Otherwise the structure (:mod:`proofs_check.landscape.structure`) is undone step by step and each step is
   decided by its theorem (:mod:`proofs_check.landscape.step_analysis`: T4a/T4b/T5/T6), the fully reduced
   network by its own Hessian (+ T7/T8 for ReLU). B_j is treated as 0 only where it is forced
   (one outgoing weight); a B_j below the tolerance with H_{l+1} >= 2 gives ``undecided``.
   Saddles are backed by an explicit descent direction (:mod:`proofs_check.landscape.descent`); minima with
   zero eigenvalues are accepted only when every zero eigenvalue is explained (Sylvester: wide
   inertia = narrow + sum of the steps) and the proved flat directions are checked numerically.
   ``semi-flat-minimum``: a minimum with a proved affine constant-loss set of dimension
   0 < k < D (replication line T4a/T7, dead units T6). ``minimum``: degenerate, with no proved
   affine flat set (ReLU scaling orbits, T8). ``strict-minimum``: Hessian positive definite.
6. With ``certify=True`` the verdict is proved with ball arithmetic where possible
   (``certified`` true, a certificate); otherwise it is reported as ``numerical``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

import mpmath
import numpy as np

from numerics import mlp
from numerics.dataset import Dataset
from numerics.evaluation import Evaluations, evaluate
from numerics.precision import (criticality_tolerance, to_decimal_string, to_mp_array, rounding_band, workdps,
                                zero_eigenvalue_tolerance, zero_loss_band)
from proofs_check.landscape import structure as st
from proofs_check.certified.certify import certify as certify_point
from proofs_check.landscape.descent import best_combination, certify, quadratic_form
from proofs_check.reports.display import report_markdown
from proofs_check.landscape.eigen import Inertia, spectral_scale
from proofs_check.landscape.refined_eigen import bounded_inertia, refined_eigen
from proofs_check.landscape.step_analysis import analyse_narrow, analyse_step
from theory.activation_properties import applicability
from theory.architecture import Architecture
from theory.errors import InvalidInput
from theory.params import Params



def applicability_evidence(arch) -> tuple[str, str]:
    """The evidence line naming the activation, its properties and the statements that do not
    hold for it (theory.activation_properties; docs/activations.md)."""
    props = arch.phi.properties
    missing = [f"{key} ({why})" for key, holds, why in applicability(props) if not holds]
    text = f"{arch.activation}: {props.describe()}"
    return ("activation", text + ("; does not hold: " + "; ".join(missing) if missing else "; every statement holds"))

class Verdict(str, Enum):
    """What a point is, as decided by :func:`classify` (the verdict words of docs/classification.md)."""

    STRICT_MINIMUM = "strict-minimum"
    SEMI_FLAT_MINIMUM = "semi-flat-minimum"
    GLOBAL_MINIMUM = "global-minimum"
    MINIMUM = "minimum"
    SADDLE = "saddle"
    NOT_CRITICAL = "not-critical"
    UNDECIDED = "undecided"


@dataclass(frozen=True, eq=False)
class CriticalPointReport:
    """The verdict and its evidence (all numbers are mpf computed at ``dps``)."""

    verdict: Verdict
    inertia: Inertia
    flat_dimension: int
    gradient_norm: object
    dps: int
    loss: object
    eigenvalues: tuple
    zero_tolerance: object
    descent_direction: np.ndarray | None = None
    descent_step: object = None
    descent_decrease: object = None
    theorem: str = ""
    evidence: tuple = ()
    reason: str = ""
    dead_units: tuple = ()
    structure: st.Structure | None = None
    descent_predicted: object = None
    blocks: tuple = field(default_factory=tuple)  # ((description, UnitBlocks), ...)
    certified: bool = False
    certificate: dict | None = None
    statement: str = ""  # "proved: ..." or "numerical: ..."
    hessian_inertia: Inertia | None = None  # the Hessian's own inertia at the working precision
    inertia_tolerance: object = None  # its zero band, 10^-(dps/2) s
    flat_directions: tuple = ()  # the proved flat directions, in the input network's coordinates
    eigenvectors: np.ndarray | None = None  # columns in the order of ``eigenvalues`` (for pictures)
    arch: Architecture | None = None

    def _repr_markdown_(self):
        return report_markdown(self)

    def to_json(self) -> dict:
        """The report as a JSON-ready dict; every number is a decimal string that round-trips at ``dps``
        (never through a float), so the evidence keeps its digits (docs/classification.md).
        """
        s = lambda v: None if v is None else to_decimal_string(v, self.dps)  # noqa: E731
        return {
            "verdict": self.verdict.value,
            "certified": self.certified,
            "certificate": self.certificate,
            "statement": self.statement,
            "theorem": self.theorem,
            "inertia": (self.hessian_inertia or self.inertia).to_json(),
            "inertia_tolerance": s(self.inertia_tolerance),
            "decision_inertia": self.inertia.to_json(),
            "flat_dimension": self.flat_dimension,
            "gradient_norm": s(self.gradient_norm),
            "loss": s(self.loss),
            "dps": self.dps,
            "zero_tolerance": s(self.zero_tolerance),
            "eigenvalues": [s(v) for v in self.eigenvalues],
            "evidence": [{"name": k, "value": v} for k, v in self.evidence],
            "reason": self.reason,
            "dead_units": [{"layer": l, "unit": u} for l, u in self.dead_units],
            "structure": self.structure.describe() if self.structure else [],
            "descent": None if self.descent_direction is None else {
                "direction": [s(v) for v in self.descent_direction],
                "step": s(self.descent_step),
                "decrease": s(self.descent_decrease),
                "predicted": s(self.descent_predicted),
            },
            "unit_blocks": [{"step": name, "A": [[s(v) for v in row] for row in b.A],
                             "B": [[s(v) for v in row] for row in b.B],
                             "definiteness_A": b.definiteness_A} for name, b in self.blocks],
        }


def _fmt(v, digits=6):
    return mpmath.nstr(v, digits)


def _as_data(arch, data):
    if isinstance(data, Dataset):
        x, y = data.x, data.y
    else:
        try:
            x, y = data
        except (TypeError, ValueError):
            raise InvalidInput("data must be a Dataset or a pair (x, y) of n x d and n x M arrays") from None
    x = np.asarray(x, dtype=object).reshape(len(x), -1)
    y = np.asarray(y, dtype=object).reshape(len(y), -1)
    if x.shape[1] != arch.input_dim or y.shape[1] != arch.output_dim or x.shape[0] != y.shape[0]:
        raise InvalidInput(
            f"data has inputs {list(x.shape)} and targets {list(y.shape)}; the network {list(arch.widths)} "
            f"needs n x {arch.input_dim} inputs and n x {arch.output_dim} targets")
    return to_mp_array(x), to_mp_array(y)


def classify(arch: Architecture, params: Params, data, *, dps: int = 50, certify: bool = False) -> CriticalPointReport:
    """Classify ``params`` as a critical point of L = sum_i 1/2 ||f(x_i) - y_i||^2 (module docstring).

    Arguments:
        arch, params: the network (any numbers; read exactly at ``dps + GUARD`` digits).
        data: a Dataset or (x, y) with x n x d, y n x M.
        dps: working precision in significant digits.
        certify: also try to prove the verdict with ball arithmetic (proofs_check.certified.certify,
            docs/certified.md); a proof replaces the numerical verdict and carries a certificate.
            Zero-loss points are always certified or reported undecided (no proof, no global minimum).
    Returns:
        CriticalPointReport (verdict, inertia, proved flat dimension, evidence, certificate).
    """
    with workdps(dps):
        x, y = _as_data(arch, data)
        c = _Classifier(arch, params, x, y, int(dps))
        report = c.run()
        if certify and not report.certified:
            report = c.certified(report)
        elif not report.certified:
            report = replace(report, statement=f"numerical: {report.verdict.value} ({report.theorem})")
        return report


class _Classifier:
    def __init__(self, arch, params, x, y, dps):
        self.point = evaluate(arch, params, x, y, dps)  # the one evaluation of the input point
        self.evaluations = Evaluations(x, y, dps, self.point)
        self.arch, self.params, self.x, self.y, self.dps = arch, self.point.params, x, y, dps
        self.loss, self.g, self.H = self.point.loss, self.point.gradient, self.point.hessian
        self.gnorm = self.point.gradient_norm
        self.eig = refined_eigen(self.H, dps)
        self.scale = spectral_scale(self.eig.values)
        self.tau = zero_eigenvalue_tolerance(dps, self.scale, self.gnorm)
        self.inertia = bounded_inertia(self.eig, self.tau)
        self.band = zero_eigenvalue_tolerance(dps, self.scale)
        self.own_inertia = bounded_inertia(self.eig, self.band)
        self.structure = st.detect_at(self.point)
        self.evidence = [
            ("loss", _fmt(self.loss, 12)),
            ("gradient norm", _fmt(self.gnorm, 6)),
            ("zero tolerance tau", _fmt(self.tau, 6) + " = max(10^-(dps/2) s, sqrt(s |g|)), s = " + _fmt(self.scale)),
            ("Hessian inertia (neg, zero, pos)",
             f"({self.own_inertia.negative}, {self.own_inertia.zero}, {self.own_inertia.positive}) with |mu| <= "
             f"{_fmt(self.band, 3)} = 10^-(dps/2) s as zero; for decisions ({self.inertia.negative}, "
             f"{self.inertia.zero}, {self.inertia.positive}) with tau"),
            ("smallest / largest eigenvalue", f"{_fmt(self.eig.values[0])} / {_fmt(self.eig.values[-1])}"),
            ("eigen-decomposition", f"{self.eig.method}; every eigenvalue within "
             f"{'(no bound)' if self.eig.error is None else _fmt(self.eig.error, 3)} of the value shown, "
             "the zero bands widened by that bound"),
        ] + [("structure", line) for line in self.structure.describe()] + [applicability_evidence(arch)]

    def report(self, verdict, theorem, flat=0, reason="", cert=None, blocks=(), directions=()):
        return CriticalPointReport(
            verdict=verdict, inertia=self.inertia, flat_dimension=flat, gradient_norm=self.gnorm,
            dps=self.dps, loss=self.loss, eigenvalues=self.eig.values, zero_tolerance=self.tau,
            descent_direction=None if cert is None else cert.direction,
            descent_step=None if cert is None else cert.step,
            descent_decrease=None if cert is None else cert.decrease,
            descent_predicted=None if cert is None else cert.predicted,
            theorem=theorem, evidence=tuple(self.evidence), reason=reason,
            dead_units=tuple((d.layer, d.unit) for d in self.structure.dead),
            structure=self.structure, blocks=tuple(blocks), hessian_inertia=self.own_inertia,
            inertia_tolerance=self.band, flat_directions=tuple(directions),
            eigenvectors=self.eig.vectors, arch=self.arch)

    # --- the decision ---------------------------------------------------------------------

    def run(self) -> CriticalPointReport:
        dps = self.dps
        null_loss = mpmath.fsum(v * v for v in self.y.reshape(-1)) / 2
        zero_loss_tol = zero_loss_band(dps, null_loss)
        if self.loss <= zero_loss_tol:
            self.evidence.append(("zero loss", f"L = {_fmt(self.loss)} <= {_fmt(zero_loss_tol, 3)}: L >= 0 "
                                  "attains its minimum"))
            return self.zero_loss()
        if self.structure.kinks:
            k = self.structure.kinks[0]
            return self.report(Verdict.UNDECIDED, "NK (no data on kinks)", reason=(
                f"datum {k.datum} lies on the kink of {self.arch.activation} unit (layer {k.layer}, unit {k.unit}): "
                f"|u| = {_fmt(abs(k.value), 3)} <= {_fmt(self.structure.kink_tolerance, 3)}; the loss is not "
                f"twice differentiable there ({len(self.structure.kinks)} incident(s)), so no Hessian-based "
                "classification"))
        gtol = criticality_tolerance(dps, self.scale)
        self.evidence.append(("criticality", f"|grad| = {_fmt(self.gnorm)} vs tolerance {_fmt(gtol, 3)}"))
        if self.gnorm > gtol:
            d = np.array([-v for v in self.g], dtype=object)
            cert = certify(self.arch, self.params, self.x, self.y, d, self.loss, dps, gradient=self.g)
            self._note_cert(cert, "along -grad")
            digits = int(-mpmath.log10(self.gnorm / max(1, self.scale))) - 1
            hint = (f"; the gradient vanishes to about {digits} digits, so the point is critical at "
                    f"--dps {2 * digits} or lower" if 2 * digits >= 10 else "")
            return self.report(Verdict.NOT_CRITICAL, "first-order condition violated", cert=cert, reason=(
                f"|grad L| = {_fmt(self.gnorm, 3)} exceeds the criticality tolerance "
                f"10^-(dps/2) max(1, s) = {_fmt(gtol, 3)}" + hint))
        return self.critical()

    def stages(self):
        """[(arch, params) before step 0, ..., fully reduced] and the steps."""
        steps = st.plan(self.arch, self.structure)
        stages = [(self.arch, self.params)]
        for step in steps:
            stages.append(st.apply_step(*stages[-1], step))
        return stages, steps

    def lift_to_wide(self, stages, steps, k, direction):
        """A direction in the coordinates of stages[k] as a direction of the input network."""
        for i in reversed(range(k)):
            direction = st.lift(*stages[i], steps[i], direction)
        return direction

    def zero_loss(self):
        stages, steps = self.stages()
        flat, directions = 0, []
        for k, step in enumerate(steps):
            f = analyse_step(stages[k], stages[k + 1], step, (self.x, self.y), self.tau, self.dps, zero_loss=True,
                             evaluations=self.evaluations)
            self.evidence.append((f"step {k + 1} ({f.theorem}; input-network unit(s) {list(step.original)})",
                                  f.summary))
            flat += f.flat_dimension
            directions += [self.lift_to_wide(stages, steps, k, d) for d in f.flat_directions]
        if not self.flat_check(directions, exact=False):
            return self.report(Verdict.UNDECIDED, "T9", reason="the proved flat set failed its numerical check")
        # L = 0 to the working precision is not a proof that 0 is attained (an infimum may be
        # approached at infinity): a global minimum needs an exact zero of the residual nearby.
        proof = certify_point(self.arch, self.params, (self.x, self.y), self.dps, zero_loss=True)
        self.evidence += list(proof.evidence)
        if not proof.proved:
            return self.report(Verdict.UNDECIDED, "T9", reason=proof.reason)
        return replace(self.report(Verdict.GLOBAL_MINIMUM, "T9 (zero training error)", flat, directions=directions),
                       certified=True,
                       certificate=proof.certificate, statement="proved: " + proof.statement)

    def certified(self, report):
        """``report`` replaced by the proved verdict when ball arithmetic proves one (docs/certified.md)."""
        proof = certify_point(self.arch, self.params, (self.x, self.y), self.dps, structure=self.structure,
                              zero_loss=None, critical=report.verdict is not Verdict.NOT_CRITICAL)
        evidence = tuple(self.evidence) + tuple(("certified: " + k, v) for k, v in proof.evidence)
        if not proof.proved:
            evidence += (("certification", f"not proved: {proof.reason}"),)
            return replace(report, evidence=evidence,
                           statement=f"numerical: {report.verdict.value} ({report.theorem})")
        if proof.verdict != report.verdict.value:
            evidence += (("certification", f"the numerical rules said {report.verdict.value}; the proof decides"),)
        flat = proof.flat_dimension if proof.verdict != "global-minimum" else report.flat_dimension
        return replace(report, verdict=Verdict(proof.verdict), theorem=proof.theorem, flat_dimension=flat,
                       reason="", evidence=evidence, certified=True, certificate=proof.certificate,
                       statement="proved: " + proof.statement)

    def critical(self):
        stages, steps = self.stages()
        findings, blocks = [], []
        for k, step in enumerate(steps):
            f = analyse_step(stages[k], stages[k + 1], step, (self.x, self.y), self.tau, self.dps,
                             evaluations=self.evaluations)
            findings.append(f)
            self.evidence.append((f"step {k + 1} ({f.theorem}; input-network unit(s) {list(step.original)})",
                                  f.summary))
            if f.blocks is not None:
                blocks.append((f"layer {step.layer} unit {step.partner} (pair with {step.unit})", f.blocks))
        narrow = analyse_narrow(*stages[-1], (self.x, self.y), self.dps, evaluations=self.evaluations)
        self.evidence.append(("narrow network", narrow.summary))

        for k, f in enumerate(findings):
            if f.effect == "saddle":
                return self.saddle(f.theorem, stages, steps, k, f.descent, blocks)
        if narrow.effect == "saddle":
            return self.saddle(narrow.theorem, stages, steps, len(steps),
                               ((narrow.direction, None),), blocks)
        if self.inertia.negative:
            return self.saddle("Sylvester (no structure)", stages, steps, 0, (), blocks)
        for f in findings:
            if f.effect == "undecided":
                return self.report(Verdict.UNDECIDED, f.theorem, reason=f.reason, blocks=blocks)
        if narrow.effect == "undecided":
            return self.report(Verdict.UNDECIDED, narrow.theorem, reason=narrow.reason, blocks=blocks)

        predicted = narrow.inertia
        for f in findings:
            predicted = predicted + f.inertia
        self.evidence.append(("Sylvester", f"narrow + steps = ({predicted.negative}, {predicted.zero}, "
                              f"{predicted.positive}) vs wide ({self.inertia.negative}, {self.inertia.zero}, "
                              f"{self.inertia.positive})"))
        if predicted != self.inertia:
            return self.report(Verdict.UNDECIDED, "Sylvester", blocks=blocks, reason=(
                "the wide inertia differs from the narrow inertia plus the step blocks: some zero "
                "eigenvalue is not explained"))
        theorems = [f.theorem for f in findings] + ([narrow.theorem] if narrow.effect == "minimum" else [])
        theorem = " + ".join(dict.fromkeys(theorems)) or narrow.theorem
        flat = sum(f.flat_dimension for f in findings)
        directions = [self.lift_to_wide(stages, steps, k, d)
                      for k, f in enumerate(findings) for d in f.flat_directions]
        exact = all(f.theorem == "T6" for f in findings)
        if not self.flat_check(directions, exact=exact):
            return self.report(Verdict.UNDECIDED, theorem, blocks=blocks,
                               reason="the proved flat set failed its numerical check")
        if flat > 0:  # a minimum with a proved affine constant-loss set (docs/classification.md)
            return self.report(Verdict.SEMI_FLAT_MINIMUM, theorem, flat, blocks=blocks, directions=directions)
        if self.inertia.zero == 0:
            return self.report(Verdict.STRICT_MINIMUM, "second-order sufficient condition (Hessian > 0)",
                               blocks=blocks)
        return self.report(Verdict.MINIMUM, theorem, flat, blocks=blocks, directions=directions)

    def saddle(self, theorem, stages, steps, k, candidates, blocks):
        """Certify a saddle: structured candidates first (lifted to the input network), then the
        most negative Hessian eigenvector."""
        tried = []
        for da, db in candidates:
            da = self.lift_to_wide(stages, steps, k, da)
            if db is not None:
                db = self.lift_to_wide(stages, steps, k, db)
                d, q = best_combination(self.H, da, db)
            else:
                d, q = da, None
            tried.append(d)
        if self.inertia.negative:
            tried.append(self.eig.vector(0))

        for d in tried:
            q = quadratic_form(self.H, d)
            if q >= -self.tau * mlp.norm(d) ** 2:
                continue
            cert = certify(self.arch, self.params, self.x, self.y, d, self.loss, self.dps, curvature=q)
            if cert is not None:
                self._note_cert(cert, f"d^T H d = {_fmt(q)}")
                return self.report(Verdict.SADDLE, theorem, cert=cert, blocks=blocks)
        return self.report(Verdict.UNDECIDED, theorem, blocks=blocks, reason=(
            "the structure predicts a saddle but no descent was certified at this precision"))

    def _note_cert(self, cert, what):
        if cert is None:
            self.evidence.append(("descent", f"{what}: no certified decrease"))
            return
        self.evidence.append(("descent", f"{what}; s = {_fmt(cert.step, 3)}: L(theta + s d) - L(theta) = "
                              f"{_fmt(cert.decrease)} (prediction {_fmt(cert.predicted)}, certified below "
                              f"-{_fmt(cert.floor, 3)})"))

    def flat_check(self, directions, exact):
        """L(theta + d) = L(theta) along each proved flat direction and along their sum."""
        if not directions:
            return True
        theta = self.params.to_vector()
        probes = list(directions) + ([sum(directions[1:], directions[0])] if len(directions) > 1 else [])
        worst = mpmath.mpf(0)
        for d in probes:
            moved = Params.from_vector(self.arch, theta + d)
            worst = max(worst, abs(mlp.loss(self.arch, moved, self.x, self.y, self.dps) - self.loss))
        bound = mpmath.mpf(0) if exact else rounding_band(self.dps, max(abs(self.loss), 1), 3)
        self.evidence.append(("flat check", f"max |L(theta + d) - L(theta)| = {_fmt(worst, 3)} over "
                              f"{len(probes)} probe(s) of the proved flat set ({'exact' if exact else '<= ' + _fmt(bound, 3)})"))
        return worst <= bound
