"""The invariant suite as pytest tests: ``pytest --pyargs proofs_check.invariants``.

One test per invariant and case, against the real embeddings, at the default
:class:`~proofs_check.invariants.Scale` and the loaded hypothesis profile's number of examples
(``--hypothesis-profile semiflat-thorough`` for more; docs/properties.md). A failure reports the
violation and the shrunk example.
"""

import pytest
from hypothesis import HealthCheck, given, settings

from proofs_check.invariants import INVARIANTS, SEMIFLAT, Scale

SCALE = Scale()

CASES = [pytest.param(inv, case, id=f"{inv.id}-{case.name}") for inv in INVARIANTS for case in inv.cases
         if case.applies(SCALE)]


@pytest.mark.parametrize("invariant,case", CASES)
def test_invariant(invariant, case):
    """The invariant's case holds on every example hypothesis draws at the default scale (docs/invariants.md)."""
    @settings(deadline=None, suppress_health_check=list(HealthCheck))
    @given(case.strategy(SCALE))
    def holds(example):
        case.check(example, SEMIFLAT)

    holds()
