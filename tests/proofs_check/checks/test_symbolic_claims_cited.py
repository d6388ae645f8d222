"""`semiflat check` cites the symbolic claims, with the sizes each proof covers.

Oracle: theory.symbolic's own claim list and verdicts; negative control: a claim whose map is
broken on purpose makes the check's symbolic outcome fail.
"""

import pytest

from proofs_check.checks import _symbolic
from proofs_check.checks.registry import CHECKS
from theory.symbolic import CLAIM_IDS, registry
from theory.symbolic.second_order import prove_fa_sign_table

NEW_IDS = {
    "replication.library_map", "inactive_unit.library_map", "inactive_propagation.library_map",
    "inactive_propagation.bias_compensation", "replication.fa_sign_table", "replication.saddle_direction",
    "inactive_unit.saddle", "relu.replication_minimum", "relu.replication_saddle", "replication.fa_rows",
}


def test_every_cited_claim_exists_and_the_new_claims_are_cited():
    cited = {c for module in CHECKS.values() for c in module.CLAIMS}
    assert cited <= set(CLAIM_IDS)
    assert NEW_IDS <= cited
    assert "replication.saddle_direction" in CHECKS["T4b"].CLAIMS
    assert "relu.replication_saddle" in CHECKS["T7"].CLAIMS


def test_evidence_states_the_sizes_a_proof_covers():
    _symbolic._prove.cache_clear()
    outcome = _symbolic.prove_claims(("replication.fa_sign_table", "replication.library_map"))
    evidence = dict(outcome.evidence)
    assert outcome.passed and outcome.method == "both"
    assert evidence["symbolic replication.fa_sign_table"].startswith("proved for all sizes, by the pairing reduction")
    assert evidence["symbolic replication.library_map"].startswith("proved for sizes [1, 2, 1] layer 0 unit 1")


@pytest.fixture
def broken_sign_table(monkeypatch):
    registry._prove_cached.cache_clear()
    _symbolic._prove.cache_clear()
    monkeypatch.setitem(registry.PROOFS, "replication.fa_sign_table",
                        lambda activation, perturb: prove_fa_sign_table(activation, perturb=True))
    yield
    registry._prove_cached.cache_clear()
    _symbolic._prove.cache_clear()


def test_a_failed_claim_fails_the_symbolic_outcome(broken_sign_table):
    outcome = _symbolic.prove_claims(("replication.fa_sign_table",))
    assert not outcome.passed
    assert dict(outcome.evidence)["symbolic replication.fa_sign_table"].startswith("failed (")
