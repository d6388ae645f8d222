"""One contract over every theorem check in ``ALL_CHECKS``: the real check passes with non-empty
evidence and recorded seeds, and each of its negative controls (``TAMPERS``: a deliberately wrong
premise) makes it fail. The numbers each check reports are tested per theorem elsewhere; here the
point is that no check can be added without a negative control that bites."""

import pytest

from proofs_check.checks import ALL_CHECKS, CHECKS, CheckConfig

CASES = [(m.THEOREM, None) for m in ALL_CHECKS] + [(m.THEOREM, t) for m in ALL_CHECKS for t in m.TAMPERS]


def test_registry_is_the_tuple_of_modules_keyed_by_their_theorem():
    assert tuple(CHECKS.values()) == ALL_CHECKS
    assert len({m.THEOREM for m in ALL_CHECKS}) == len(ALL_CHECKS)
    for module in ALL_CHECKS:
        assert module.STATEMENT and module.TAMPERS and callable(module.check)


@pytest.mark.parametrize("theorem,tamper", CASES, ids=[f"{k}-{t or 'real'}" for k, t in CASES])
def test_check_passes_and_each_negative_control_fails(theorem, tamper):
    result = CHECKS[theorem].check(CheckConfig(quick=True, tamper=tamper))
    assert result.theorem == theorem
    assert result.evidence and all(name and value for name, value in result.evidence)
    assert result.seeds
    assert result.passed is (tamper is None)
