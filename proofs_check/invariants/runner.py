"""Run an invariant with hypothesis outside pytest, keeping the shrunk counterexample.

Every run is seeded (a seed is drawn and recorded when none is given), so the same seed, scale
and example database give the same examples. Hypothesis keeps no database for seeded runs, so the
runner keeps one itself: with a ``database`` directory, a shrunk counterexample is saved (pickled)
in hypothesis's directory example database under ``database/examples``, keyed by invariant, case
and subject, and a rerun tries every saved example first, as an explicit example
(docs/properties.md "Reproducibility").
"""

from __future__ import annotations

import math
import pickle
import random
import time
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Verbosity, example as hypothesis_example, given, seed as hypothesis_seed, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.errors import Unsatisfiable, UnsatisfiedAssumption

from proofs_check.invariants.base import Case, Example, Invariant, Scale
from proofs_check.invariants.profiles import PROFILES
from proofs_check.invariants.subject import SEMIFLAT, Subject


SHRINK_SECONDS = 10.0
"""Default shrinking budget per failing case, CPU seconds (a shrink step re-runs a check)."""


class _ShrinkingStopped(BaseException):
    """Raised from inside a hypothesis run to end shrinking when its time budget is spent."""


@dataclass(frozen=True, eq=False)
class CaseResult:
    """The outcome of one case: ``status`` is "passed", "failed" or "unsatisfied" (hypothesis found
    no valid example), ``examples`` the checks run before the first failure (all of them when it
    passed), ``shrink_steps`` the checks run while shrinking; for a failure ``counterexample`` is
    the shrunk :class:`Example`, ``message`` the violation and ``wide`` the embedded network."""

    invariant: str
    case: str
    status: str
    examples: int
    seconds: float
    shrink_steps: int = 0
    message: str = ""
    counterexample: Example | None = None
    wide: tuple | None = None


@dataclass(frozen=True, eq=False)
class InvariantResult:
    """The cases of one invariant; ``status`` is "failed" if any case failed, "not-run" for an
    invariant that is not a per-example property, "not-applicable" when no case fits the scale."""

    invariant: Invariant
    cases: tuple[CaseResult, ...] = ()
    status: str = "passed"
    seconds: float = 0.0
    note: str = ""

    @property
    def examples(self) -> int:
        """The number of examples run over all cases."""
        return sum(c.examples for c in self.cases)

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        """The cases that failed."""
        return tuple(c for c in self.cases if c.status == "failed")


def draw_seed() -> int:
    """A fresh seed in [0, 2^32) from the operating system (recorded by the caller)."""
    return random.SystemRandom().randrange(2 ** 32)


def case_settings(examples: int, profile: str = "dev", database=None, derandomize: bool = False) -> settings:
    """Hypothesis settings of one case: the profile's options, ``examples`` examples, quiet, every
    health check suppressed (slow examples are expected), the given database or none."""
    options = dict(PROFILES[profile])
    options.update(max_examples=max(1, int(examples)), deadline=None, verbosity=Verbosity.quiet,
                   suppress_health_check=list(HealthCheck), database=database, print_blob=False,
                   report_multiple_bugs=False, derandomize=derandomize)
    return settings(**options)


def example_database(root) -> DirectoryBasedExampleDatabase:
    """Hypothesis's directory example database under ``root/examples``."""
    return DirectoryBasedExampleDatabase(str(Path(root) / "examples"))


def database_key(invariant: Invariant, case: Case, subject: Subject) -> bytes:
    """The key of one (invariant, case, subject) in the example database."""
    return f"semiflat-properties/{invariant.id}/{case.name}/{subject.name}".encode()


def saved_examples(store, key) -> list:
    """The counterexamples saved under ``key`` (pickled :class:`Example` s; entries that no longer
    load, e.g. after an upgrade, are skipped). Only load databases you wrote yourself: unpickling
    runs code."""
    found = []
    for value in store.fetch(key):
        try:
            found.append(pickle.loads(value))
        except Exception:
            continue
    return sorted(found, key=repr)


def run_case(invariant: Invariant, case: Case, scale: Scale = Scale(), subject: Subject = SEMIFLAT,
             examples: int = 100, seed: int = 0, profile: str = "dev", database=None, progress=None,
             shrink_seconds: float = SHRINK_SECONDS) -> CaseResult:
    """Run one case with hypothesis and return its :class:`CaseResult` (never raises on a failed
    check: the violation and the shrunk counterexample are in the result).

    Shrinking stops after ``shrink_seconds`` of CPU time (not wall time, so a loaded machine
    shrinks as far) from the first failure; the reported counterexample is the
    last failing example the shrinker found by then (the smallest so far), and it does fail.

    ``database`` is a directory root (see :func:`example_database`) or None; ``progress(done, total)``
    is called after each check."""
    state = {"calls": 0, "before": None, "failure": None, "since": None}

    def body(example):
        if state["since"] is not None and time.process_time() - state["since"] > shrink_seconds:
            raise _ShrinkingStopped  # not an Exception: hypothesis lets it through, ending the run
        try:
            case.check(example, subject)
        except UnsatisfiedAssumption:  # rejected by the check's own premise: not an example run
            raise
        except Exception as exc:  # a violation, or a map that raised: both are failures of the subject
            state["calls"] += 1
            if state["before"] is None:
                state["before"], state["since"] = state["calls"], time.process_time()
            state["failure"] = (example, exc)
            raise
        state["calls"] += 1
        if progress is not None and state["before"] is None:
            progress(min(state["calls"], examples), examples)

    store = None if database is None else example_database(database)
    key = database_key(invariant, case, subject)
    saved = [] if store is None else saved_examples(store, key)
    test = given(case.strategy(scale))(body)
    for ex in reversed(saved):  # explicit examples run first, in the order they were saved
        test = hypothesis_example(ex)(test)
    test = case_settings(examples, profile)(test)
    test = hypothesis_seed(seed)(test)
    start = time.perf_counter()
    try:
        test()
        status, message = "passed", ""
    except _ShrinkingStopped:
        status, message = "failed", ""
    except Unsatisfiable:
        status, message = "unsatisfied", "hypothesis found no valid example at this scale"
    except Exception as exc:
        status, message = "failed", f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    if status != "failed":
        return CaseResult(invariant.id, case.name, status, state["calls"], seconds, message=message)
    example, exc = state["failure"] if state["failure"] else (None, None)
    if store is not None and example is not None and repr(example) not in {repr(e) for e in saved}:
        store.save(key, pickle.dumps(example))
    if exc is not None:
        message = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
    return CaseResult(invariant.id, case.name, "failed", state["before"] or state["calls"], seconds,
                      shrink_steps=state["calls"] - (state["before"] or state["calls"]), message=message,
                      counterexample=example, wide=getattr(exc, "wide", None))


def run_invariant(invariant: Invariant, scale: Scale = Scale(), subject: Subject = SEMIFLAT, examples: int = 100,
                  seed: int | None = None, profile: str = "dev", database=None, progress=None,
                  shrink_seconds: float = SHRINK_SECONDS) -> InvariantResult:
    """Run every applicable case of ``invariant`` with ``examples`` examples shared among them
    (each case gets ceil(examples / cases)). ``seed`` None draws one (record it from the result's
    caller); ``progress(done, total, label)`` is forwarded per case."""
    if invariant.not_run:
        return InvariantResult(invariant, (), "not-run", 0.0, invariant.not_run)
    cases = invariant.applicable_cases(scale)
    if not cases:
        return InvariantResult(invariant, (), "not-applicable", 0.0,
                               f"no case for activations {', '.join(scale.activations)}")
    seed = draw_seed() if seed is None else seed
    per_case = math.ceil(examples / len(cases))
    results = []
    for case in cases:
        report = None if progress is None else (lambda d, t, c=case: progress(d, t, f"{invariant.id} {c.name}"))
        results.append(run_case(invariant, case, scale, subject, per_case, seed, profile, database, report,
                                shrink_seconds))
    statuses = {r.status for r in results}
    status = "failed" if "failed" in statuses else ("unsatisfied" if statuses == {"unsatisfied"} else "passed")
    return InvariantResult(invariant, tuple(results), status, sum(r.seconds for r in results))
